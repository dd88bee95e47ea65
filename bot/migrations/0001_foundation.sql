-- Foundation: users and their roles, the audit log, staff invites, conversation persistence.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,           -- Telegram user id
    first_name    TEXT NOT NULL DEFAULT '',
    username      TEXT,
    language_code TEXT,                          -- what Telegram last told us
    locale        TEXT,                          -- the user's own choice (/lang), NULL if none
    role          TEXT NOT NULL DEFAULT 'volunteer'
                  CHECK (role IN ('volunteer', 'entity_rep', 'coordinator', 'admin')),
    reachable     INTEGER NOT NULL DEFAULT 1,    -- 0 after a 403 until they write again
    created_at    TEXT NOT NULL,
    last_seen_at  TEXT
);
CREATE INDEX users_role ON users (role);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    actor_id    INTEGER,
    action      TEXT NOT NULL,
    target_type TEXT,
    target_id   TEXT,
    details     TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at ON audit_log (at);

CREATE TABLE staff_invites (
    token      TEXT PRIMARY KEY,
    role       TEXT NOT NULL,
    created_by INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_by    INTEGER,
    used_at    TEXT,
    revoked_at TEXT
);

CREATE TABLE ptb_conversations (
    name  TEXT NOT NULL,
    key   TEXT NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (name, key)
);

CREATE TABLE ptb_data (
    kind     TEXT NOT NULL,                      -- 'user' or 'chat'
    owner_id INTEGER NOT NULL,
    data     TEXT NOT NULL,
    PRIMARY KEY (kind, owner_id)
);
