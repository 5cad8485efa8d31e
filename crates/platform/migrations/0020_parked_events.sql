-- Events a consumer could not apply for a reason retrying cannot fix (undecodable payload,
-- a stored configuration that cannot plan deadlines, …). The event's inbox row is written
-- with its parked row, so redelivery skips it and the stream goes on; an operator retries
-- (after fixing the cause) or skips it with `frontdesk events retry|skip`.
CREATE TABLE parked_events (
    consumer      TEXT NOT NULL,
    event_id      TEXT NOT NULL,
    source        TEXT NOT NULL,
    sequence      BIGINT NOT NULL,
    event_type    TEXT NOT NULL,
    property_id   TEXT NOT NULL,
    aggregate_id  TEXT NOT NULL,
    -- The whole delivered envelope (frontdesk.events.v1.Event), to apply it again.
    event         BYTEA NOT NULL,
    error         TEXT NOT NULL,
    attempts      BIGINT NOT NULL,
    parked_at     BIGINT NOT NULL,
    last_failed_at BIGINT NOT NULL,
    -- '' while parked; 'retried' or 'skipped' once an operator dealt with it.
    resolution    TEXT NOT NULL,
    resolved_by   TEXT NOT NULL,
    resolved_at   BIGINT NOT NULL,
    PRIMARY KEY (consumer, event_id)
);
CREATE INDEX parked_events_open ON parked_events (consumer, resolution, parked_at);
