-- Analytics' own log of every event it applied (issue 12): the sources prune their outboxes,
-- so `frontdesk analytics rebuild` replays this log, never the sources. Appended in the
-- transaction that applies the event (after the inbox refused duplicates, so each event is
-- here once), in the order applied (`seq`). Events carry ids, codes and times, never personal
-- data or free text: the payload is kept as received.
-- backend: postgres
CREATE TABLE analytics_event_log (
    seq          BIGSERIAL PRIMARY KEY,
-- backend: sqlite
CREATE TABLE analytics_event_log (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
-- backend: all
    source       TEXT NOT NULL,
    event_id     TEXT NOT NULL,
    event_type   TEXT NOT NULL,
    property_id  TEXT NOT NULL,
    aggregate_id TEXT NOT NULL,
    -- Unix microseconds; NULL when the event had no time.
    occurred_at  BIGINT,
    payload      BYTEA NOT NULL,
    logged_at    BIGINT NOT NULL
);

-- Whether the log holds every event the facts came from: false when facts existed before
-- the log did (a database from before this migration), and a rebuild would lose them.
CREATE TABLE analytics_log_origin (
    only_row      BIGINT PRIMARY KEY,
    complete      BIGINT NOT NULL
);
INSERT INTO analytics_log_origin (only_row, complete)
SELECT 1, CASE WHEN EXISTS (SELECT 1 FROM analytics_facts)
                 OR EXISTS (SELECT 1 FROM analytics_quiz_attempts) THEN 0 ELSE 1 END;
