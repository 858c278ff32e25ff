-- Token buckets for sends (per channel and per recipient), shared by every node through the database.
-- `tokens` is stored in thousandths so both backends use integer arithmetic.
CREATE TABLE rate_buckets (
    key        TEXT PRIMARY KEY,
    millitokens BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
