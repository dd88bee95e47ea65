-- Registration is stored once per draft: Confirm pressed again (after its answer failed, or after
-- a restart that lost the last second) finds its own draft's key and writes nothing more.
ALTER TABLE volunteers ADD COLUMN registration_key TEXT;
CREATE UNIQUE INDEX volunteers_registration_key ON volunteers (registration_key);
