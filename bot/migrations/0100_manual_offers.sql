-- An offer made by hand (source 'manual': a coordinator, or the entity's representative, chose
-- the volunteer) may waive requirements the volunteer does not meet, each with a reason in the
-- audit log. `waived` lists the matching rules waived (codes of bot/matching.py, comma-separated),
-- so that accepting re-checks every other requirement and not these.
ALTER TABLE assignments ADD COLUMN waived TEXT;
