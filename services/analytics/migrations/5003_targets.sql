-- A property's own KPI targets in percent (0 … 100), overriding the chain's defaults (the
-- service's settings); NULL uses the default. Same SQL on Postgres and SQLite.
CREATE TABLE analytics_targets (
    property_id       TEXT PRIMARY KEY,
    timeliness_pct    DOUBLE PRECISION,
    accuracy_pct      DOUBLE PRECISION,
    satisfaction_pct  DOUBLE PRECISION,
    quiz_pct          DOUBLE PRECISION,
    updated_by        TEXT NOT NULL,
    updated_at        BIGINT NOT NULL
);
