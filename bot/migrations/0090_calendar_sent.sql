-- When the volunteer took the shift's .ics file: only they are sent its cancellation.
ALTER TABLE assignments ADD COLUMN calendar_sent_at TEXT;
