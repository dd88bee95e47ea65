-- Entities and needs: one-time invite links that make whoever opens them an entity's
-- representative (`/start rep_<token>`), and indexes for the needs screens.
CREATE TABLE entity_invites (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    token      TEXT NOT NULL UNIQUE,
    entity_id  INTEGER NOT NULL REFERENCES entities (id),
    created_by INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_by    INTEGER,
    used_at    TEXT,
    revoked_by INTEGER,
    revoked_at TEXT
);
CREATE INDEX entity_invites_entity ON entity_invites (entity_id, used_by, revoked_at);

ALTER TABLE entities ADD COLUMN updated_at TEXT;
ALTER TABLE needs ADD COLUMN requested_slots INTEGER;   -- what the entity asked for, when changed
ALTER TABLE needs ADD COLUMN cancelled_by INTEGER;
ALTER TABLE shifts ADD COLUMN cancelled_by INTEGER;
