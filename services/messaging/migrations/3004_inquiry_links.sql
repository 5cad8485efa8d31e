-- The intake inquiry a lookup, a message or a mail item was recorded for (issue 10): an id
-- on both sides, carried to intake by the events. Empty when the request named none.
ALTER TABLE lookups ADD COLUMN inquiry_id TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN inquiry_id TEXT NOT NULL DEFAULT '';
ALTER TABLE mail_items ADD COLUMN inquiry_id TEXT NOT NULL DEFAULT '';
