-- No-shows told with care, and alerts gathered into digests.

-- Why the volunteer did not come, in their own words or a reason button's source text (the
-- no-show notice asks; optional). Erased with their other typed reasons.
ALTER TABLE assignments ADD COLUMN no_show_reason TEXT;

-- At-risk and no-show alerts waiting for their recipient's next digest. The scheduler drains
-- them into one message per recipient and window (ALERT_DIGEST_WINDOW), outside quiet hours
-- (QUIET_HOURS) unless a shift starts soon; marking them sent and enqueueing the digest happen
-- in one transaction, so a restart loses none and sends none twice. Only ids: the digest is
-- rendered when it is sent, in the recipient's language, from the current state.
CREATE TABLE pending_alerts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient_id  INTEGER NOT NULL REFERENCES users (id),
    kind          TEXT NOT NULL CHECK (kind IN ('at_risk', 'no_show')),
    assignment_id INTEGER NOT NULL REFERENCES assignments (id),
    shift_id      INTEGER NOT NULL REFERENCES shifts (id),
    starts_at     TEXT NOT NULL,   -- the shift's start (a shift starting soon breaks quiet hours)
    created_at    TEXT NOT NULL,
    sent_at       TEXT,            -- when the digest that carried it was enqueued
    UNIQUE (recipient_id, kind, assignment_id)
);
CREATE INDEX pending_alerts_unsent ON pending_alerts (sent_at, recipient_id);
