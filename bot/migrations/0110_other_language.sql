-- "Other language" at registration asks which one: the name as the volunteer typed it.
ALTER TABLE volunteers ADD COLUMN other_language TEXT;
