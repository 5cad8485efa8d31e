-- Analytics' own tables. Same SQL on Postgres and SQLite: times are unix microseconds,
-- vocabulary values their stable snake_case codes. Facts only: no personal data.

-- One row per inquiry. Intake's columns follow its latest applied facts (intake_version),
-- routing's columns its latest assignment (routing_version); counters add one per event
-- (the inbox applies each event once). A row may exist from routing's events before
-- intake's created event arrives (created_at NULL until then).
CREATE TABLE analytics_facts (
    inquiry_id                TEXT PRIMARY KEY,
    property_id               TEXT NOT NULL,
    channel                   TEXT,
    category                  TEXT,
    complexity                TEXT,
    language                  TEXT,
    created_at                BIGINT,
    first_response_at         BIGINT,
    resolved_at               BIGINT,
    expected_at               BIGINT,
    handler                   TEXT NOT NULL,
    satisfaction              TEXT,
    delay_notices             BIGINT NOT NULL,
    intake_version            BIGINT NOT NULL,
    department                TEXT NOT NULL,
    routing_handler           TEXT NOT NULL,
    first_response_due        BIGINT,
    resolution_due            BIGINT,
    original_resolution_due   BIGINT,
    routing_version           BIGINT NOT NULL,
    transfers                 BIGINT NOT NULL,
    sla_breaches              BIGINT NOT NULL,
    escalations               BIGINT NOT NULL,
    updated_at                BIGINT NOT NULL
);

CREATE INDEX analytics_facts_period ON analytics_facts (property_id, created_at);

-- Audit verdicts of an inquiry's answers, as of its latest applied intake facts.
CREATE TABLE analytics_audits (
    inquiry_id   TEXT NOT NULL,
    response_id  TEXT NOT NULL,
    responded_by TEXT NOT NULL,
    accurate     BIGINT NOT NULL,
    PRIMARY KEY (inquiry_id, response_id)
);
