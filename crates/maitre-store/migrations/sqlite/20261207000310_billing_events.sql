-- Stripe's webhook events, stored once per event id before they are processed by a job (Stripe retries and may
-- deliver an event twice or out of order: PROTOCOLS §8, §12).
CREATE TABLE billing_events (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    -- The event's `created` (unix seconds): a business's billing state changes only for a newer event.
    created      BIGINT NOT NULL,
    body         TEXT NOT NULL,
    received_at  BIGINT NOT NULL,
    processed_at BIGINT
);

-- The business's Stripe subscription as the latest event applied says, and that event's `created`.
ALTER TABLE accounts ADD COLUMN stripe_customer TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN stripe_subscription TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN subscription_status TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN billing_event_at BIGINT NOT NULL DEFAULT 0;
