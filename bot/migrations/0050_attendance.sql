-- Attendance: check-in at the site, completion after the shift, no-shows, corrections.

-- When the "tap Check in" message was enqueued (the scheduler marks it in the same transaction,
-- so each accepted volunteer is asked once), and how far from the site they checked in (metres;
-- NULL when the site has no coordinates or a coordinator marked them present).
ALTER TABLE assignments ADD COLUMN checkin_asked_at TEXT;
ALTER TABLE assignments ADD COLUMN checkin_distance_m INTEGER;

-- The check-in prompts and the completion step look at shifts by their end: still running, or
-- ended and not yet settled. starts_at alone would make every tick walk all past shifts.
CREATE INDEX shifts_ends ON shifts (status, ends_at);
