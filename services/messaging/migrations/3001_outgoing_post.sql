-- MD-4.4 outgoing post for guests: what was sent where, and how the postage was settled.
CREATE TABLE outgoing_post (
    post_id       TEXT PRIMARY KEY,
    property_id   TEXT NOT NULL,
    stay_id       TEXT NOT NULL REFERENCES stays (stay_id),
    room          TEXT NOT NULL,
    kind          TEXT NOT NULL,
    destination   TEXT NOT NULL,
    carrier       TEXT NOT NULL,
    postage_minor BIGINT NOT NULL,
    currency      TEXT NOT NULL,
    payment       TEXT NOT NULL,
    registered_by TEXT NOT NULL,
    registered_at BIGINT NOT NULL
);
CREATE INDEX outgoing_by_property ON outgoing_post (property_id, registered_at, post_id);
