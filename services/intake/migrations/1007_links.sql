-- What messaging recorded for an inquiry (issue 10): a guest lookup, a message or a mail
-- item whose request named the inquiry. Ids only (the item itself lives in messaging);
-- one row per messaging fact, however often its events are delivered.
CREATE TABLE inquiry_links (
    inquiry_id  TEXT NOT NULL REFERENCES inquiries (inquiry_id),
    kind        TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    property_id TEXT NOT NULL,
    actor       TEXT NOT NULL,
    linked_at   BIGINT NOT NULL,
    PRIMARY KEY (inquiry_id, kind, target_id)
);
