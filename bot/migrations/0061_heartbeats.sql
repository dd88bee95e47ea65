-- Heartbeats of the bot's long-running parts (the scheduler tick, the outbox sender), written
-- while it runs and read by `python -m bot health` from another process.
CREATE TABLE heartbeats (
    name   TEXT PRIMARY KEY,          -- 'tick' | 'sender'
    at     TEXT NOT NULL,             -- UTC ISO time of the last beat
    detail TEXT NOT NULL DEFAULT '{}' -- JSON: what the part reported with the beat
);
