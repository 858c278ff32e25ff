-- The plan a business is on (a key of the configuration's `billing.plans`); '' for the configured default plan.
-- Without billing every business is unlimited whatever this says.
ALTER TABLE accounts ADD COLUMN plan TEXT NOT NULL DEFAULT '';
