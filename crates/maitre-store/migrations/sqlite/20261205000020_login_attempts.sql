-- Sign-in pacing per key ('email:<address>', 'ip:<address>', 'device:<user id>'): attempts are counted before the
-- password is checked, and `blocked_until` (ms) is when the key's next attempt may go. Replaces the failure log.
CREATE TABLE login_attempts (
    key           TEXT PRIMARY KEY,
    attempts      BIGINT NOT NULL,
    blocked_until BIGINT NOT NULL
);

DROP TABLE login_failures;
