-- Delivery: coordinator broadcasts, and the index the sender walks to find the next message.

CREATE TABLE broadcasts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    created_by  INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    audience    TEXT NOT NULL,                   -- JSON: the filters chosen (bot/audience.py)
    text        TEXT NOT NULL,                   -- Telegram HTML, validated before sending
    parse_mode  TEXT,
    priority    INTEGER NOT NULL,                -- 0 urgent, 9 bulk
    recipients  INTEGER NOT NULL DEFAULT 0,
    finished_at TEXT,                            -- set when no row of it is pending any more
    stopped_at  TEXT,                            -- a coordinator stopped what was still queued
    stopped_by  INTEGER
);
CREATE INDEX broadcasts_created ON broadcasts (created_at);

-- Broadcast rows carry an empty payload: the sender takes the text from `broadcasts`, so a
-- 100,000-recipient broadcast stores its text once.

-- The sender asks for the next pending row in (priority, id) order; this walks exactly that,
-- however many sent rows the table holds. outbox_due (status, priority, next_attempt_at, id) is
-- replaced: SQLite preferred it for that query and then sorted every pending row of a priority
-- to find the oldest (25 ms a message with 100,000 queued, against 0.1 ms with this one).
DROP INDEX outbox_due;
CREATE INDEX outbox_pending ON outbox (priority, id) WHERE status = 'pending';
