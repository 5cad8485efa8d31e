-- The archive of what happened to each inquiry (CI-3.8), in intake's own table. The outbox
-- is only a delivery queue and is pruned once every subscriber has its events; the timeline
-- is kept (and redacted with the inquiry when a customer is erased). `sequence` is the
-- outbox sequence of the same change, so it doubles as WatchInquiries' resume cursor.
CREATE TABLE timeline (
    sequence    BIGINT PRIMARY KEY,
    inquiry_id  TEXT NOT NULL,
    property_id TEXT NOT NULL,
    change      BIGINT NOT NULL,
    actor       TEXT NOT NULL,
    at          BIGINT NOT NULL,
    detail      TEXT NOT NULL
);
CREATE INDEX timeline_by_inquiry ON timeline (inquiry_id, sequence);
CREATE INDEX timeline_by_property ON timeline (property_id, sequence);
