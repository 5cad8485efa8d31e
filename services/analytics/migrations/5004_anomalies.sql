-- Anomaly episodes (CI-5.3): one row each, raised once, updated while it lasts, ended when
-- the measure is back to normal. Ids and numbers only.
CREATE TABLE analytics_anomalies (
    anomaly_id    TEXT PRIMARY KEY,
    property_id   TEXT NOT NULL,
    kind          TEXT NOT NULL,
    started_at    BIGINT NOT NULL,
    ended_at      BIGINT,
    window_us     BIGINT NOT NULL,
    observed      DOUBLE PRECISION NOT NULL,
    baseline      DOUBLE PRECISION NOT NULL,
    threshold     DOUBLE PRECISION NOT NULL,
    sample        BIGINT NOT NULL,
    evaluated_at  BIGINT NOT NULL
);
CREATE INDEX analytics_anomalies_by_property ON analytics_anomalies (property_id, started_at);

-- The episode going on per property and kind: its primary key is what makes replicas
-- evaluating at once raise one episode, not two.
CREATE TABLE analytics_open_anomalies (
    property_id TEXT NOT NULL,
    kind        TEXT NOT NULL,
    anomaly_id  TEXT NOT NULL,
    PRIMARY KEY (property_id, kind)
);
