-- Daily rollups (issue 12): per property × UTC day × dimension (department, employee,
-- channel, category) × key, the sums a KPI report adds up, kept by the consumers in the
-- transaction that changes the facts (by the difference between the facts before and after,
-- so late and repeated events keep them right). A report reads whole days from here and only
-- the partial days at its ends from the facts. Waits are histograms "bucket:count,…" with
-- buckets rounded up to two significant digits of microseconds (domain::kpi::wait_bucket).
CREATE TABLE analytics_daily (
    property_id         TEXT NOT NULL,
    dim                 TEXT NOT NULL,
    day                 BIGINT NOT NULL,
    group_key           TEXT NOT NULL,
    inquiries           BIGINT NOT NULL,
    responded           BIGINT NOT NULL,
    resolved            BIGINT NOT NULL,
    in_time             BIGINT NOT NULL,
    audited             BIGINT NOT NULL,
    accurate            BIGINT NOT NULL,
    very_satisfied      BIGINT NOT NULL,
    satisfied           BIGINT NOT NULL,
    neutral             BIGINT NOT NULL,
    dissatisfied        BIGINT NOT NULL,
    very_dissatisfied   BIGINT NOT NULL,
    sla_breaches        BIGINT NOT NULL,
    breached_inquiries  BIGINT NOT NULL,
    transfers           BIGINT NOT NULL,
    deadlines_moved     BIGINT NOT NULL,
    first_response      TEXT NOT NULL,
    handling            TEXT NOT NULL,
    PRIMARY KEY (property_id, dim, day, group_key)
);

-- Whether the rollups hold every fact: facts from before this migration are rolled up once
-- at start (store::backfill_rollups), then this says so.
CREATE TABLE analytics_rollup_state (
    only_row    BIGINT PRIMARY KEY,
    backfilled  BIGINT NOT NULL
);
INSERT INTO analytics_rollup_state (only_row, backfilled)
SELECT 1, CASE WHEN EXISTS (SELECT 1 FROM analytics_facts) THEN 0 ELSE 1 END;
