-- The time zone a member reads message times in, when it differs from the business's ('' = the business's).
ALTER TABLE users ADD COLUMN time_zone TEXT NOT NULL DEFAULT '';
