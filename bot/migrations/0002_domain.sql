-- The shared domain model (DESIGN.md): volunteers, entities, needs, shifts, assignments, outbox.
-- Created together so that registration, needs, delivery and dispatch build on one schema; each
-- of those features adds its own later migrations (0010-0019 registration, 0020-0029 needs,
-- 0030-0039 delivery, 0040-0049 dispatch).

CREATE TABLE volunteers (
    user_id         INTEGER PRIMARY KEY REFERENCES users (id),
    full_name       TEXT,
    phone           TEXT,                        -- E.164
    phone_verified  INTEGER NOT NULL DEFAULT 0,
    gender          TEXT CHECK (gender IN ('male', 'female')),
    birth_date      TEXT,                        -- ISO date (Gregorian)
    city            TEXT,
    status          TEXT NOT NULL DEFAULT 'active'
                    CHECK (status IN ('pending', 'active', 'paused', 'suspended', 'deleted')),
    paused_until    TEXT,                        -- UTC timestamp; NULL while paused = indefinitely
    available_from  TEXT,                        -- season window, ISO dates, both optional
    available_until TEXT,
    consent_at      TEXT,
    registered_at   TEXT NOT NULL,
    approved_at     TEXT,
    approved_by     INTEGER,
    updated_at      TEXT,
    deleted_at      TEXT
);
CREATE INDEX volunteers_status ON volunteers (status);
CREATE INDEX volunteers_phone ON volunteers (phone);

CREATE TABLE volunteer_languages (
    user_id  INTEGER NOT NULL REFERENCES volunteers (user_id) ON DELETE CASCADE,
    language TEXT NOT NULL,
    PRIMARY KEY (user_id, language)
);
CREATE INDEX volunteer_languages_language ON volunteer_languages (language, user_id);

CREATE TABLE volunteer_specialties (
    user_id   INTEGER NOT NULL REFERENCES volunteers (user_id) ON DELETE CASCADE,
    specialty TEXT NOT NULL,
    PRIMARY KEY (user_id, specialty)
);
CREATE INDEX volunteer_specialties_specialty ON volunteer_specialties (specialty, user_id);

CREATE TABLE volunteer_availability (
    user_id INTEGER NOT NULL REFERENCES volunteers (user_id) ON DELETE CASCADE,
    weekday INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),   -- Monday = 0
    period  TEXT NOT NULL CHECK (period IN ('morning', 'afternoon', 'evening', 'night')),
    PRIMARY KEY (user_id, weekday, period)
);

CREATE TABLE qualifications (
    user_id    INTEGER NOT NULL REFERENCES volunteers (user_id) ON DELETE CASCADE,
    specialty  TEXT NOT NULL,
    granted_by INTEGER,
    granted_at TEXT NOT NULL,
    PRIMARY KEY (user_id, specialty)
);

CREATE TABLE entities (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name_ar    TEXT NOT NULL,
    name_en    TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('government', 'charity', 'private')),
    contact    TEXT,
    active     INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    created_by INTEGER
);

CREATE TABLE entity_members (
    entity_id  INTEGER NOT NULL REFERENCES entities (id),
    user_id    INTEGER NOT NULL REFERENCES users (id),
    added_at   TEXT NOT NULL,
    added_by   INTEGER,
    removed_at TEXT,
    PRIMARY KEY (entity_id, user_id)
);
CREATE INDEX entity_members_user ON entity_members (user_id);

CREATE TABLE needs (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    entity_id         INTEGER NOT NULL REFERENCES entities (id),
    created_by        INTEGER NOT NULL,
    title             TEXT NOT NULL,
    specialty         TEXT NOT NULL,
    site_name         TEXT NOT NULL,
    latitude          REAL,
    longitude         REAL,
    checkin_radius_m  INTEGER NOT NULL DEFAULT 300,
    first_day         TEXT NOT NULL,             -- ISO dates, office time zone
    last_day          TEXT NOT NULL,
    start_time        TEXT NOT NULL,             -- HH:MM, office time zone
    end_time          TEXT NOT NULL,             -- earlier than start_time = overnight
    slots             INTEGER NOT NULL CHECK (slots > 0),
    gender            TEXT NOT NULL DEFAULT 'any' CHECK (gender IN ('any', 'male', 'female')),
    requires_training INTEGER NOT NULL DEFAULT 0,
    min_age           INTEGER,
    notes             TEXT,
    status            TEXT NOT NULL DEFAULT 'submitted'
                      CHECK (status IN ('submitted', 'approved', 'rejected', 'cancelled', 'closed')),
    submitted_at      TEXT NOT NULL,
    decided_at        TEXT,
    decided_by        INTEGER,
    reject_reason     TEXT,
    cancelled_at      TEXT
);
CREATE INDEX needs_status ON needs (status);
CREATE INDEX needs_entity ON needs (entity_id, status);

CREATE TABLE need_languages (
    need_id  INTEGER NOT NULL REFERENCES needs (id) ON DELETE CASCADE,
    language TEXT NOT NULL,
    PRIMARY KEY (need_id, language)
);

CREATE TABLE shifts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    need_id       INTEGER NOT NULL REFERENCES needs (id),
    starts_at     TEXT NOT NULL,                 -- UTC
    ends_at       TEXT NOT NULL,                 -- UTC
    slots         INTEGER NOT NULL CHECK (slots >= 0),
    status        TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'cancelled', 'closed')),
    cancelled_at  TEXT,
    cancel_reason TEXT
);
CREATE INDEX shifts_need ON shifts (need_id);
CREATE INDEX shifts_starts ON shifts (status, starts_at);

CREATE TABLE assignments (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    shift_id       INTEGER NOT NULL REFERENCES shifts (id),
    volunteer_id   INTEGER NOT NULL REFERENCES users (id),
    status         TEXT NOT NULL CHECK (status IN ('offered', 'accepted', 'declined', 'expired',
                   'waitlisted', 'cancelled', 'checked_in', 'completed', 'no_show')),
    source         TEXT NOT NULL DEFAULT 'offer',  -- offer | signup | waitlist | coordinator
    offered_at     TEXT,
    expires_at     TEXT,
    responded_at   TEXT,
    accepted_at    TEXT,
    declined_at    TEXT,
    decline_reason TEXT,
    waitlisted_at  TEXT,
    cancelled_at   TEXT,
    cancel_reason  TEXT,
    late_cancel    INTEGER NOT NULL DEFAULT 0,
    confirmed_at   TEXT,
    at_risk_at     TEXT,
    checked_in_at  TEXT,
    completed_at   TEXT,
    no_show_at     TEXT,
    UNIQUE (shift_id, volunteer_id)
);
CREATE INDEX assignments_shift ON assignments (shift_id, status);
CREATE INDEX assignments_volunteer ON assignments (volunteer_id, status);
CREATE INDEX assignments_expiry ON assignments (status, expires_at);

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id         INTEGER NOT NULL,
    method          TEXT NOT NULL DEFAULT 'sendMessage',
    payload         TEXT NOT NULL,               -- JSON parameters of the Bot API method
    dedupe_key      TEXT NOT NULL UNIQUE,
    priority        INTEGER NOT NULL DEFAULT 5,  -- 0 urgent, 5 normal, 9 bulk
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sent', 'failed', 'unreachable', 'cancelled')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    sent_at         TEXT,
    message_id      INTEGER,                     -- Telegram's id of the sent message, for edits
    error           TEXT,
    broadcast_id    INTEGER
);
CREATE INDEX outbox_due ON outbox (status, priority, next_attempt_at, id);
CREATE INDEX outbox_broadcast ON outbox (broadcast_id, status);
