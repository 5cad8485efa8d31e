-- Weekly shifts per staff member ("mon 09:00-17:00;sat 10:00-14:00"), property time zone.
ALTER TABLE staff ADD COLUMN shifts TEXT NOT NULL DEFAULT '';
