-- A broadcast remembers the draft it was sent from: Send pressed again (after its answer was
-- lost, or after a crash before the conversation was saved) finds it and queues nothing twice.
-- Broadcasts sent before this migration have none (NULLs do not collide in a UNIQUE index).

ALTER TABLE broadcasts ADD COLUMN draft_key TEXT;
CREATE UNIQUE INDEX broadcasts_draft_key ON broadcasts (draft_key);
