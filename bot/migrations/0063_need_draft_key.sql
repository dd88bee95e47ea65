-- The /need draft a need was submitted from: Submit pressed again (after the answer to the first
-- press failed, or after a crash lost the conversation's last second) finds the need already
-- stored instead of storing it twice. NULL for needs posted before this column existed.
ALTER TABLE needs ADD COLUMN draft_key TEXT;
CREATE UNIQUE INDEX needs_draft_key ON needs (draft_key);
