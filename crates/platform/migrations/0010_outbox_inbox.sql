-- Platform tables, in every service database. Same SQL on Postgres and SQLite:
-- times are unix microseconds, ids text, payloads bytes.

-- The transactional outbox: a state change and its event commit together. It is also the
-- service's event log: WatchInquiries and the timeline read it.
CREATE TABLE outbox (
    sequence     BIGINT PRIMARY KEY,
    event_id     TEXT NOT NULL UNIQUE,
    event_type   TEXT NOT NULL,
    property_id  TEXT NOT NULL,
    aggregate_id TEXT NOT NULL,
    actor        TEXT NOT NULL,
    occurred_at  BIGINT NOT NULL,
    payload      BYTEA NOT NULL,
    traceparent  TEXT NOT NULL
);
CREATE INDEX outbox_by_aggregate ON outbox (aggregate_id, sequence);
CREATE INDEX outbox_by_property ON outbox (property_id, sequence);

-- Sequences are handed out under this row's lock, so sequence order is commit order and a
-- reader that has seen N has seen everything below N (no gaps for resuming watchers).
CREATE TABLE outbox_counter (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO outbox_counter (name, value) VALUES ('outbox', 0);

-- One row per subscriber: how far the relay has delivered, and which replica holds the lease.
CREATE TABLE outbox_cursors (
    subscriber      TEXT PRIMARY KEY,
    delivered_up_to BIGINT NOT NULL,
    lease_owner     TEXT NOT NULL,
    lease_until     BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);

-- Consumers record each applied event id in the same transaction as its effect.
CREATE TABLE inbox (
    consumer   TEXT NOT NULL,
    event_id   TEXT NOT NULL,
    source     TEXT NOT NULL,
    applied_at BIGINT NOT NULL,
    PRIMARY KEY (consumer, event_id)
);
