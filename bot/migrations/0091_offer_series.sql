-- One message offering a volunteer several days of one need. Each day stays its own assignment
-- (waitlist, reminders, attendance); the series only ties the days to the message that asked.
CREATE TABLE offer_series (
    id INTEGER PRIMARY KEY,
    need_id INTEGER NOT NULL REFERENCES needs(id),
    volunteer_id INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL
);
ALTER TABLE assignments ADD COLUMN series_id INTEGER REFERENCES offer_series(id);
CREATE INDEX assignments_series ON assignments (series_id) WHERE series_id IS NOT NULL;
