-- Staff queries at season scale: /volunteers search through a full-text index, /stats from
-- indexed aggregates, and the index the dispatch tick's fill counts read.

-- Search by name and phone: an FTS5 table (built into SQLite) with the trigram tokenizer, so a
-- part of a name or of a number matches as it did with LIKE '%...%', through the index. Its rows
-- are kept in step with volunteers by the triggers below, whoever writes a volunteer.
--   name:  the folded name (volunteers.search_name: case, diacritics, hamza/alef, taa marbuta;
--          see volunteers.search_key), or the name as typed where none was stored, with the space
--          after «عبد» dropped (so «عبد الله» and «عبدالله» are one name); the query is folded
--          the same way (db.search_volunteers).
--   phone: the E.164 number and its national digits (without +966).
-- Deleted volunteers have no row. On PostgreSQL: pg_trgm GIN indexes on the same two
-- expressions (the triggers become a generated column or plpgsql triggers).
CREATE VIRTUAL TABLE volunteer_search USING fts5 (name, phone, tokenize = 'trigram');

INSERT INTO volunteer_search (rowid, name, phone)
SELECT user_id, replace(COALESCE(search_name, lower(full_name), ''), 'عبد ', 'عبد'),
       COALESCE(phone, '') || ' ' || replace(COALESCE(phone, ''), '+966', '')
FROM volunteers WHERE status <> 'deleted';

CREATE TRIGGER volunteer_search_insert AFTER INSERT ON volunteers WHEN NEW.status <> 'deleted'
BEGIN
    INSERT INTO volunteer_search (rowid, name, phone) VALUES (NEW.user_id,
        replace(COALESCE(NEW.search_name, lower(NEW.full_name), ''), 'عبد ', 'عبد'),
        COALESCE(NEW.phone, '') || ' ' || replace(COALESCE(NEW.phone, ''), '+966', ''));
END;

CREATE TRIGGER volunteer_search_update
AFTER UPDATE OF full_name, search_name, phone, status ON volunteers
BEGIN
    DELETE FROM volunteer_search WHERE rowid = OLD.user_id;
    INSERT INTO volunteer_search (rowid, name, phone)
    SELECT NEW.user_id,
        replace(COALESCE(NEW.search_name, lower(NEW.full_name), ''), 'عبد ', 'عبد'),
        COALESCE(NEW.phone, '') || ' ' || replace(COALESCE(NEW.phone, ''), '+966', '')
    WHERE NEW.status <> 'deleted';
END;

CREATE TRIGGER volunteer_search_delete AFTER DELETE ON volunteers
BEGIN
    DELETE FROM volunteer_search WHERE rowid = OLD.user_id;
END;

-- Lists in their shown order (waiting for approval first, then by name): a page is read off
-- the index instead of sorting every match. The same expression as search_volunteers' ORDER BY.
CREATE INDEX volunteers_listing ON volunteers
    ((CASE status WHEN 'pending' THEN 0 ELSE 1 END), full_name, user_id);

-- /stats: active volunteers per specialty, counted as they change (a GROUP BY over every
-- volunteer's specialties was most of /stats at 100,000 volunteers). "Active" here is active
-- or paused, as stats_specialties counts them. On PostgreSQL: the same triggers in plpgsql.
CREATE TABLE specialty_counts (
    specialty TEXT PRIMARY KEY,
    volunteers INTEGER NOT NULL DEFAULT 0
);

INSERT INTO specialty_counts (specialty, volunteers)
SELECT s.specialty, COUNT(*) FROM volunteer_specialties s
JOIN volunteers v ON v.user_id = s.user_id WHERE v.status IN ('active', 'paused')
GROUP BY s.specialty;

CREATE TRIGGER specialty_counts_insert AFTER INSERT ON volunteer_specialties
WHEN (SELECT status FROM volunteers WHERE user_id = NEW.user_id) IN ('active', 'paused')
BEGIN
    INSERT INTO specialty_counts (specialty, volunteers) VALUES (NEW.specialty, 1)
    ON CONFLICT (specialty) DO UPDATE SET volunteers = volunteers + 1;
END;

CREATE TRIGGER specialty_counts_delete AFTER DELETE ON volunteer_specialties
WHEN (SELECT status FROM volunteers WHERE user_id = OLD.user_id) IN ('active', 'paused')
BEGIN
    UPDATE specialty_counts SET volunteers = volunteers - 1 WHERE specialty = OLD.specialty;
END;

CREATE TRIGGER specialty_counts_status AFTER UPDATE OF status ON volunteers
WHEN (OLD.status IN ('active', 'paused')) <> (NEW.status IN ('active', 'paused'))
BEGIN
    INSERT INTO specialty_counts (specialty, volunteers)
    SELECT specialty, 0 FROM volunteer_specialties WHERE user_id = NEW.user_id
    ON CONFLICT (specialty) DO NOTHING;
    UPDATE specialty_counts
    SET volunteers = volunteers + CASE WHEN NEW.status IN ('active', 'paused') THEN 1 ELSE -1 END
    WHERE specialty IN (SELECT specialty FROM volunteer_specialties WHERE user_id = NEW.user_id);
END;

CREATE TRIGGER specialty_counts_volunteer_delete BEFORE DELETE ON volunteers
WHEN OLD.status IN ('active', 'paused')
BEGIN
    UPDATE specialty_counts SET volunteers = volunteers - 1
    WHERE specialty IN (SELECT specialty FROM volunteer_specialties WHERE user_id = OLD.user_id);
END;

-- /stats: unreachable people and late cancellations through small partial indexes.
CREATE INDEX users_unreachable ON users (id) WHERE reachable = 0;
CREATE INDEX assignments_late_cancel ON assignments (cancelled_at) WHERE late_cancel = 1;
-- /stats and the tick: service in a window is found from the shifts in it.
CREATE INDEX shifts_starts_at ON shifts (starts_at);
-- The tick's fill counts per shift, read from the index alone.
CREATE INDEX assignments_fill ON assignments (shift_id, status, promoted_at, expires_at);
