-- Issued hours certificates. The volunteer's name is not copied here: a verification reads it
-- from the profile, so /delete_me leaves an anonymous certificate behind. `facts` is the
-- certificate's content at issue (hours by specialty and by entity, trainings) as JSON.
CREATE TABLE certificates (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    code         TEXT NOT NULL UNIQUE,              -- the verification code (unguessable, short)
    volunteer_id INTEGER NOT NULL REFERENCES users (id),
    period_from  TEXT NOT NULL,                     -- ISO dates, office time zone, inclusive
    period_to    TEXT NOT NULL,
    hours        REAL NOT NULL,
    facts        TEXT NOT NULL DEFAULT '{}',
    locale       TEXT NOT NULL,
    issued_at    TEXT NOT NULL,
    issued_by    INTEGER NOT NULL,
    request_key  TEXT UNIQUE                        -- one certificate per request (a retap)
);
CREATE INDEX certificates_volunteer ON certificates (volunteer_id, issued_at);
