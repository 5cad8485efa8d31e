-- The classifier's matched terms of each inquiry (from intake's facts, never the customer's
-- text), as of its latest applied facts: what hot topics (CI-3.9) count.
CREATE TABLE analytics_terms (
    inquiry_id  TEXT NOT NULL,
    property_id TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    term        TEXT NOT NULL,
    PRIMARY KEY (inquiry_id, term)
);
CREATE INDEX analytics_terms_period ON analytics_terms (property_id, created_at);
