-- Trainings (grant a specialty's qualification for `validity_months`) and awareness lectures
-- (grant nothing). Times in UTC. Exactly one of place / link is usual; a place may carry a
-- location. `draft_key` is the creating draft's id: submitting it twice creates one session.
CREATE TABLE training_sessions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT NOT NULL CHECK (kind IN ('training', 'lecture')),
    specialty       TEXT,                            -- the qualification granted; NULL: none
    title           TEXT NOT NULL,
    trainer         TEXT NOT NULL,
    place           TEXT,
    latitude        REAL,
    longitude       REAL,
    link            TEXT,                            -- an https link for online sessions
    starts_at       TEXT NOT NULL,
    ends_at         TEXT NOT NULL,
    capacity        INTEGER NOT NULL CHECK (capacity > 0),
    validity_months INTEGER CHECK (validity_months IS NULL OR validity_months > 0),
    status          TEXT NOT NULL DEFAULT 'scheduled'
                    CHECK (status IN ('scheduled', 'cancelled', 'completed')),
    entity_id       INTEGER REFERENCES entities (id),  -- set when a representative created it
    created_by      INTEGER NOT NULL,
    created_at      TEXT NOT NULL,
    draft_key       TEXT UNIQUE,
    CHECK (ends_at > starts_at),
    CHECK ((kind = 'training') = (specialty IS NOT NULL))
);
CREATE INDEX training_sessions_starts ON training_sessions (status, starts_at);

-- A qualification granted by a session keeps when it runs out and which session granted it;
-- one granted by hand has neither (it does not expire).
ALTER TABLE qualifications ADD COLUMN expires_at TEXT;
ALTER TABLE qualifications ADD COLUMN session_id INTEGER REFERENCES training_sessions (id);
