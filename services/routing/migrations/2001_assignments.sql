-- Where each inquiry went, and the deadlines it is held to (the truth; Redis only holds
-- the armed timers). Same SQL on Postgres and SQLite.

CREATE TABLE assignments (
    inquiry_id              TEXT PRIMARY KEY,
    property_id             TEXT NOT NULL,
    channel                 TEXT NOT NULL,
    category                TEXT NOT NULL,
    complexity              TEXT NOT NULL,
    language                TEXT NOT NULL,
    lead_department         TEXT NOT NULL,
    participants            TEXT NOT NULL,
    assignee                TEXT NOT NULL,
    on_the_spot             BIGINT NOT NULL,
    state                   TEXT NOT NULL,
    rule_id                 TEXT NOT NULL,
    reason                  TEXT NOT NULL,
    created_at              BIGINT NOT NULL,
    first_response_due      BIGINT NOT NULL,
    resolution_due          BIGINT NOT NULL,
    original_resolution_due BIGINT NOT NULL,
    first_response_at       BIGINT,
    resolved_at             BIGINT,
    version                 BIGINT NOT NULL,
    updated_at              BIGINT NOT NULL
);
-- Open load per handler (least-load assignment) and department queues.
CREATE INDEX assignments_by_assignee ON assignments (property_id, assignee, state);
CREATE INDEX assignments_by_department ON assignments (property_id, lead_department, state);

CREATE TABLE deadlines (
    -- "<inquiry_id>/<kind>": also the timer's id in the wheel.
    timer_id    TEXT PRIMARY KEY,
    inquiry_id  TEXT NOT NULL,
    property_id TEXT NOT NULL,
    kind        TEXT NOT NULL,
    due_at      BIGINT NOT NULL,
    -- pending | fired | cancelled
    state       TEXT NOT NULL,
    -- 0 until the wheel holds it; set back to 0 to re-arm (Redis emptied or replaced).
    armed       BIGINT NOT NULL,
    fired_at    BIGINT,
    lateness    BIGINT
);
CREATE INDEX deadlines_to_arm ON deadlines (armed, state, due_at);
CREATE INDEX deadlines_by_inquiry ON deadlines (inquiry_id);

-- Round-robin position per department for assignment ties.
CREATE TABLE assignment_cursors (
    property_id     TEXT NOT NULL,
    department_code TEXT NOT NULL,
    position        BIGINT NOT NULL,
    PRIMARY KEY (property_id, department_code)
);
