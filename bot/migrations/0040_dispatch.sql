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

-- Availability as a bit mask on the volunteer row, bit (weekday * 4 + period) with periods
-- morning 0, afternoon 1, evening 2, night 3: the pre-filter checks a shift's periods in the row
-- it already reads instead of one index lookup per period and volunteer (a third of its time at
-- 100,000 volunteers). volunteer_availability stays the record; these triggers keep the mask in
-- step with it whoever writes it. (On PostgreSQL: the same triggers as plpgsql functions.)
ALTER TABLE volunteers ADD COLUMN availability_mask INTEGER NOT NULL DEFAULT 0;

UPDATE volunteers SET availability_mask = COALESCE((
    SELECT SUM(1 << (a.weekday * 4 + CASE a.period WHEN 'morning' THEN 0 WHEN 'afternoon' THEN 1
                                                   WHEN 'evening' THEN 2 ELSE 3 END))
    FROM volunteer_availability a WHERE a.user_id = volunteers.user_id), 0);

CREATE TRIGGER volunteer_availability_mask_insert AFTER INSERT ON volunteer_availability
BEGIN
    UPDATE volunteers SET availability_mask = availability_mask
        | (1 << (NEW.weekday * 4 + CASE NEW.period WHEN 'morning' THEN 0 WHEN 'afternoon' THEN 1
                                                   WHEN 'evening' THEN 2 ELSE 3 END))
    WHERE user_id = NEW.user_id;
END;

CREATE TRIGGER volunteer_availability_mask_delete AFTER DELETE ON volunteer_availability
BEGIN
    UPDATE volunteers SET availability_mask = availability_mask
        & ~(1 << (OLD.weekday * 4 + CASE OLD.period WHEN 'morning' THEN 0 WHEN 'afternoon' THEN 1
                                                    WHEN 'evening' THEN 2 ELSE 3 END))
    WHERE user_id = OLD.user_id;
END;

CREATE TRIGGER volunteer_availability_mask_update AFTER UPDATE ON volunteer_availability
BEGIN
    UPDATE volunteers SET availability_mask = COALESCE((
        SELECT SUM(1 << (a.weekday * 4 + CASE a.period WHEN 'morning' THEN 0 WHEN 'afternoon' THEN 1
                                                       WHEN 'evening' THEN 2 ELSE 3 END))
        FROM volunteer_availability a WHERE a.user_id = volunteers.user_id), 0)
    WHERE user_id IN (OLD.user_id, NEW.user_id);
END;
