-- Registration: a normalised copy of the volunteer's name for searching (/volunteers), so that
-- a coordinator typing "احمد" finds "أحمد" and "ahmad" finds "Ahmad" (see volunteers.search_key).
-- Erased together with the name when a volunteer deletes their data.
ALTER TABLE volunteers ADD COLUMN search_name TEXT;
CREATE INDEX volunteers_registered ON volunteers (status, registered_at);
