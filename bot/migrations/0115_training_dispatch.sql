-- Trainings and lectures ride on the dispatch machinery: each session is one approved need of
-- one shift (offers, waitlist, reminders, check-in and attendance are the shifts' own). The
-- need points back at its session; coordinators' sessions belong to the office's own entity
-- (`is_office`, kept inactive so that nobody posts needs for it).
ALTER TABLE needs ADD COLUMN session_id INTEGER REFERENCES training_sessions (id);
ALTER TABLE training_sessions ADD COLUMN shift_id INTEGER REFERENCES shifts (id);
-- A lecture's audience (the broadcast filters as JSON); NULL: every active volunteer.
ALTER TABLE training_sessions ADD COLUMN audience TEXT;
ALTER TABLE entities ADD COLUMN is_office INTEGER NOT NULL DEFAULT 0;
-- When the volunteer was told that this qualification runs out soon (once per grant).
ALTER TABLE qualifications ADD COLUMN expiry_told_at TEXT;
CREATE INDEX qualifications_expiry ON qualifications (expires_at);
CREATE INDEX needs_session ON needs (session_id);
