-- /stats and /volunteers at season scale from aggregates kept as the rows change, instead of
-- counting 100,000 volunteers or a month's assignments on every call (bench/stats.py,
-- bench/search.py). Same pattern as specialty_counts (0062): the triggers keep them in step,
-- whoever writes. On PostgreSQL: the same triggers in plpgsql.

-- Volunteers per status (stats_volunteers).
CREATE TABLE volunteer_counts (
    status     TEXT PRIMARY KEY,
    volunteers INTEGER NOT NULL DEFAULT 0
);

INSERT INTO volunteer_counts (status, volunteers)
SELECT status, COUNT(*) FROM volunteers GROUP BY status;

CREATE TRIGGER volunteer_counts_insert AFTER INSERT ON volunteers
BEGIN
    INSERT INTO volunteer_counts (status, volunteers) VALUES (NEW.status, 1)
    ON CONFLICT (status) DO UPDATE SET volunteers = volunteers + 1;
END;

CREATE TRIGGER volunteer_counts_status AFTER UPDATE OF status ON volunteers
WHEN OLD.status <> NEW.status
BEGIN
    UPDATE volunteer_counts SET volunteers = volunteers - 1 WHERE status = OLD.status;
    INSERT INTO volunteer_counts (status, volunteers) VALUES (NEW.status, 1)
    ON CONFLICT (status) DO UPDATE SET volunteers = volunteers + 1;
END;

CREATE TRIGGER volunteer_counts_delete AFTER DELETE ON volunteers
BEGIN
    UPDATE volunteer_counts SET volunteers = volunteers - 1 WHERE status = OLD.status;
END;

-- The cities volunteers gave (volunteer_cities: the /volunteers search reads them to tell a
-- city from a name on every search), counted over volunteers not deleted.
CREATE TABLE city_counts (
    city       TEXT PRIMARY KEY,
    volunteers INTEGER NOT NULL DEFAULT 0
);

INSERT INTO city_counts (city, volunteers)
SELECT city, COUNT(*) FROM volunteers
WHERE city IS NOT NULL AND status <> 'deleted' GROUP BY city;

CREATE TRIGGER city_counts_insert AFTER INSERT ON volunteers
WHEN NEW.city IS NOT NULL AND NEW.status <> 'deleted'
BEGIN
    INSERT INTO city_counts (city, volunteers) VALUES (NEW.city, 1)
    ON CONFLICT (city) DO UPDATE SET volunteers = volunteers + 1;
END;

CREATE TRIGGER city_counts_update AFTER UPDATE OF city, status ON volunteers
WHEN OLD.city IS NOT NEW.city OR (OLD.status = 'deleted') <> (NEW.status = 'deleted')
BEGIN
    UPDATE city_counts SET volunteers = volunteers - 1
    WHERE city = OLD.city AND OLD.status <> 'deleted';
    INSERT INTO city_counts (city, volunteers)
    SELECT NEW.city, 1 WHERE NEW.city IS NOT NULL AND NEW.status <> 'deleted'
    ON CONFLICT (city) DO UPDATE SET volunteers = volunteers + 1;
END;

CREATE TRIGGER city_counts_delete AFTER DELETE ON volunteers
WHEN OLD.city IS NOT NULL AND OLD.status <> 'deleted'
BEGIN
    UPDATE city_counts SET volunteers = volunteers - 1 WHERE city = OLD.city;
END;

-- Service per hour of shift start (UTC, 'YYYY-MM-DDTHH'): places completed, their length in
-- minutes, and no-shows (stats_assignments reads whole hours from here and the two partial
-- hours at the window's edges from the assignments themselves).
CREATE TABLE service_hours (
    hour      TEXT PRIMARY KEY,
    completed INTEGER NOT NULL DEFAULT 0,
    minutes   INTEGER NOT NULL DEFAULT 0,
    no_shows  INTEGER NOT NULL DEFAULT 0
);

INSERT INTO service_hours (hour, completed, minutes, no_shows)
SELECT strftime('%Y-%m-%dT%H', s.starts_at),
       SUM(a.status = 'completed'),
       SUM(CASE WHEN a.status = 'completed'
           THEN CAST(round((julianday(s.ends_at) - julianday(s.starts_at)) * 1440) AS INTEGER)
           ELSE 0 END),
       SUM(a.status = 'no_show')
FROM assignments a JOIN shifts s ON s.id = a.shift_id
WHERE a.status IN ('completed', 'no_show')
GROUP BY 1;

-- One assignment counted in (sign 1) or out (sign -1) of its shift's hour.
CREATE TRIGGER service_hours_insert AFTER INSERT ON assignments
WHEN NEW.status IN ('completed', 'no_show')
BEGIN
    INSERT INTO service_hours (hour, completed, minutes, no_shows)
    SELECT strftime('%Y-%m-%dT%H', s.starts_at), NEW.status = 'completed',
           CASE WHEN NEW.status = 'completed'
           THEN CAST(round((julianday(s.ends_at) - julianday(s.starts_at)) * 1440) AS INTEGER)
           ELSE 0 END,
           NEW.status = 'no_show'
    FROM shifts s WHERE s.id = NEW.shift_id
    ON CONFLICT (hour) DO UPDATE SET completed = completed + excluded.completed,
        minutes = minutes + excluded.minutes, no_shows = no_shows + excluded.no_shows;
END;

CREATE TRIGGER service_hours_update AFTER UPDATE OF status, shift_id ON assignments
WHEN (OLD.status IN ('completed', 'no_show') OR NEW.status IN ('completed', 'no_show'))
     AND (OLD.status <> NEW.status OR OLD.shift_id <> NEW.shift_id)
BEGIN
    UPDATE service_hours SET
        completed = completed - (OLD.status = 'completed'),
        minutes = minutes - CASE WHEN OLD.status = 'completed' THEN (
            SELECT CAST(round((julianday(s.ends_at) - julianday(s.starts_at)) * 1440) AS INTEGER)
            FROM shifts s WHERE s.id = OLD.shift_id) ELSE 0 END,
        no_shows = no_shows - (OLD.status = 'no_show')
    WHERE OLD.status IN ('completed', 'no_show')
      AND hour = (SELECT strftime('%Y-%m-%dT%H', s.starts_at) FROM shifts s WHERE s.id = OLD.shift_id);
    INSERT INTO service_hours (hour, completed, minutes, no_shows)
    SELECT strftime('%Y-%m-%dT%H', s.starts_at), NEW.status = 'completed',
           CASE WHEN NEW.status = 'completed'
           THEN CAST(round((julianday(s.ends_at) - julianday(s.starts_at)) * 1440) AS INTEGER)
           ELSE 0 END,
           NEW.status = 'no_show'
    FROM shifts s WHERE s.id = NEW.shift_id AND NEW.status IN ('completed', 'no_show')
    ON CONFLICT (hour) DO UPDATE SET completed = completed + excluded.completed,
        minutes = minutes + excluded.minutes, no_shows = no_shows + excluded.no_shows;
END;

CREATE TRIGGER service_hours_delete AFTER DELETE ON assignments
WHEN OLD.status IN ('completed', 'no_show')
BEGIN
    UPDATE service_hours SET
        completed = completed - (OLD.status = 'completed'),
        minutes = minutes - CASE WHEN OLD.status = 'completed' THEN (
            SELECT CAST(round((julianday(s.ends_at) - julianday(s.starts_at)) * 1440) AS INTEGER)
            FROM shifts s WHERE s.id = OLD.shift_id) ELSE 0 END,
        no_shows = no_shows - (OLD.status = 'no_show')
    WHERE hour = (SELECT strftime('%Y-%m-%dT%H', s.starts_at) FROM shifts s WHERE s.id = OLD.shift_id);
END;

-- A shift moved or lengthened after service was recorded: its counts leave the old hour and
-- join the new one.
CREATE TRIGGER service_hours_shift_times AFTER UPDATE OF starts_at, ends_at ON shifts
WHEN OLD.starts_at <> NEW.starts_at OR OLD.ends_at <> NEW.ends_at
BEGIN
    UPDATE service_hours SET
        completed = completed - (SELECT COUNT(*) FROM assignments a
                                 WHERE a.shift_id = OLD.id AND a.status = 'completed'),
        minutes = minutes - (SELECT COUNT(*) FROM assignments a
                             WHERE a.shift_id = OLD.id AND a.status = 'completed')
            * CAST(round((julianday(OLD.ends_at) - julianday(OLD.starts_at)) * 1440) AS INTEGER),
        no_shows = no_shows - (SELECT COUNT(*) FROM assignments a
                               WHERE a.shift_id = OLD.id AND a.status = 'no_show')
    WHERE hour = strftime('%Y-%m-%dT%H', OLD.starts_at);
    INSERT INTO service_hours (hour, completed, minutes, no_shows)
    SELECT strftime('%Y-%m-%dT%H', NEW.starts_at), c, c * CAST(round(
               (julianday(NEW.ends_at) - julianday(NEW.starts_at)) * 1440) AS INTEGER), ns
    FROM (SELECT SUM(a.status = 'completed') AS c, SUM(a.status = 'no_show') AS ns
          FROM assignments a WHERE a.shift_id = NEW.id AND a.status IN ('completed', 'no_show'))
    WHERE c IS NOT NULL
    ON CONFLICT (hour) DO UPDATE SET completed = completed + excluded.completed,
        minutes = minutes + excluded.minutes, no_shows = no_shows + excluded.no_shows;
END;
