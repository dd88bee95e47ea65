-- A need's languages are "any of"; the representative may ask for at least `minimum` speakers
-- of one of them in each shift ("20 guides, at least 5 Urdu and 3 Indonesian"). 0 = no minimum.
ALTER TABLE need_languages ADD COLUMN minimum INTEGER NOT NULL DEFAULT 0 CHECK (minimum >= 0);
