-- Intake's projection of routing's assignments (eventually consistent; as_of says how fresh).
CREATE TABLE routing_views (
    inquiry_id              TEXT PRIMARY KEY REFERENCES inquiries (inquiry_id),
    lead_department         TEXT NOT NULL,
    participants            TEXT NOT NULL,
    assignee                TEXT NOT NULL,
    on_the_spot             BIGINT NOT NULL,
    first_response_due      BIGINT NOT NULL,
    resolution_due          BIGINT NOT NULL,
    original_resolution_due BIGINT NOT NULL,
    fired                   TEXT NOT NULL,
    as_of                   BIGINT NOT NULL,
    -- Routing's event sequence this view reflects: an older event never overwrites a newer.
    source_sequence         BIGINT NOT NULL
);
