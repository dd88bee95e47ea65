-- /shifts: a volunteer's open shifts are found from the needs of their specialties, then those
-- needs' upcoming open shifts, instead of scanning every upcoming shift of the season
-- (db.open_shifts_for_volunteer).
CREATE INDEX needs_specialty ON needs (specialty, status);
CREATE INDEX shifts_need_open ON shifts (need_id, status, starts_at);
