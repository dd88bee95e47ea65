-- Dispatch: reminders, waitlist promotions, and the indexes the matching pre-filter relies on.

-- A waitlisted volunteer promoted into a freed place gets an offer that holds the place for
-- them until it expires (WAITLIST_CONFIRM_TTL); promoted_at marks such a held offer.
ALTER TABLE assignments ADD COLUMN promoted_at TEXT;
-- The waitlist's order: 1, 2, 3 ... per shift, in the order people joined it (timestamps alone
-- cannot order people who joined within the same second).
ALTER TABLE assignments ADD COLUMN waitlist_seq INTEGER;

-- One row per reminder an accepted assignment should get (REMINDER_LEADS before the start).
-- The tick enqueues a due reminder and sets sent_at in the same transaction, so a reminder is
-- sent once even when ticks repeat or the process was down at its time; skipped_at marks a
-- reminder that is no longer wanted (the assignment was cancelled, or a later one was due too).
CREATE TABLE reminders (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    assignment_id INTEGER NOT NULL REFERENCES assignments (id),
    lead_seconds  INTEGER NOT NULL,
    due_at        TEXT NOT NULL,                 -- UTC
    sent_at       TEXT,
    skipped_at    TEXT,
    UNIQUE (assignment_id, lead_seconds)
);
CREATE INDEX reminders_due ON reminders (sent_at, skipped_at, due_at);

-- The waitlist in order, per shift.
CREATE INDEX assignments_waitlist ON assignments (shift_id, status, waitlist_seq);
-- The pre-filter starts from volunteer_specialties (specialty, user_id) and looks each volunteer
-- up by primary key; qualifications and availability are looked up by their primary keys too.
-- Served hours and no-shows are summed per volunteer through assignments_volunteer.
