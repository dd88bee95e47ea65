-- A shift still short at a lead before its start (ESCALATION_LEADS) is escalated once per lead
-- to the coordinators and the entity's representatives. The row is written in the same
-- transaction that queues the messages; its buttons act once each (next_at, told_at).
CREATE TABLE shift_escalations (
    shift_id      INTEGER NOT NULL REFERENCES shifts (id),
    lead_seconds  INTEGER NOT NULL,
    escalated_at  TEXT NOT NULL,
    short_by      INTEGER NOT NULL,                -- open places when it was escalated
    next_at       TEXT,                            -- "offer to the next ones now", once
    next_by       INTEGER,
    told_at       TEXT,                            -- "tell everyone who fits", once
    told_by       INTEGER,
    PRIMARY KEY (shift_id, lead_seconds)
);
