-- Delivery: transient failures never fail a message for good. Each row has a deadline (NULL:
-- SEND_MAX_AGE after created_at) after which it is 'expired' instead; the sender claims a row
-- (claimed_at, a guarded update on the writer) before sending it, so a stale read never sends a
-- row twice, and a claim left by a crash is an outcome unknown: retried once (uncertain counts).
-- SQLite cannot change a CHECK constraint in place: the table is rebuilt with the same rows.

CREATE TABLE outbox_rebuilt (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id         INTEGER NOT NULL,
    method          TEXT NOT NULL DEFAULT 'sendMessage',
    payload         TEXT NOT NULL,               -- JSON parameters of the Bot API method
    dedupe_key      TEXT NOT NULL UNIQUE,
    priority        INTEGER NOT NULL DEFAULT 5,  -- 0 urgent, 5 normal, 9 bulk
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sent', 'failed', 'unreachable', 'cancelled',
                                      'expired')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    sent_at         TEXT,
    message_id      INTEGER,                     -- Telegram's id of the sent message, for edits
    error           TEXT,
    broadcast_id    INTEGER,
    deadline_at     TEXT,                        -- past it, a row still pending is 'expired'
    claimed_at      TEXT,                        -- a send is in flight since then
    uncertain       INTEGER NOT NULL DEFAULT 0   -- sends whose outcome was unknown (maybe twice)
);
INSERT INTO outbox_rebuilt (id, chat_id, method, payload, dedupe_key, priority, status, attempts,
    next_attempt_at, created_at, sent_at, message_id, error, broadcast_id)
SELECT id, chat_id, method, payload, dedupe_key, priority, status, attempts, next_attempt_at,
    created_at, sent_at, message_id, error, broadcast_id FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_rebuilt RENAME TO outbox;
CREATE INDEX outbox_broadcast ON outbox (broadcast_id, status);
CREATE INDEX outbox_pending ON outbox (priority, id) WHERE status = 'pending';
