-- Intake's own tables. Same SQL on Postgres and SQLite: times are unix microseconds,
-- enums are stable snake_case codes, flags are 0/1.

CREATE TABLE properties (
    property_id TEXT PRIMARY KEY,
    created_at  BIGINT NOT NULL
);

CREATE TABLE inquiries (
    inquiry_id        TEXT PRIMARY KEY,
    property_id       TEXT NOT NULL REFERENCES properties (property_id),
    channel           TEXT NOT NULL,
    customer_name     TEXT NOT NULL,
    customer_phone    TEXT NOT NULL,
    customer_email    TEXT NOT NULL,
    customer_social   TEXT NOT NULL,
    preferred_reply   TEXT NOT NULL,
    text              TEXT NOT NULL,
    -- Lower-cased text and name: one LIKE works the same on both backends, Chinese included.
    search_text       TEXT NOT NULL,
    reservation_ref   TEXT NOT NULL,
    status            TEXT NOT NULL,
    category          TEXT NOT NULL,
    language          TEXT NOT NULL,
    complexity        TEXT NOT NULL,
    confidence        DOUBLE PRECISION NOT NULL,
    matched_terms     TEXT NOT NULL,
    complaint_process BIGINT NOT NULL,
    reclassified      BIGINT NOT NULL,
    assignee          TEXT NOT NULL,
    created_by        TEXT NOT NULL,
    created_at        BIGINT NOT NULL,
    acknowledged_at   BIGINT,
    first_response_at BIGINT,
    resolved_at       BIGINT,
    expected_at       BIGINT,
    satisfaction      TEXT,
    feedback_comment  TEXT,
    feedback_by       TEXT,
    feedback_at       BIGINT,
    version           BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);
-- Lists page newest first within a property.
CREATE INDEX inquiries_by_property_created ON inquiries (property_id, created_at, inquiry_id);
CREATE INDEX inquiries_by_created ON inquiries (created_at, inquiry_id);

CREATE TABLE responses (
    response_id  TEXT PRIMARY KEY,
    inquiry_id   TEXT NOT NULL REFERENCES inquiries (inquiry_id),
    position     BIGINT NOT NULL,
    text         TEXT NOT NULL,
    method       TEXT NOT NULL,
    on_the_spot  BIGINT NOT NULL,
    responded_by TEXT NOT NULL,
    responded_at BIGINT NOT NULL,
    audit_accurate BIGINT,
    audit_note     TEXT,
    audited_by     TEXT,
    audited_at     BIGINT
);
CREATE INDEX responses_by_inquiry ON responses (inquiry_id, position);

CREATE TABLE delay_notices (
    inquiry_id           TEXT NOT NULL REFERENCES inquiries (inquiry_id),
    position             BIGINT NOT NULL,
    reason               TEXT NOT NULL,
    new_expected_at      BIGINT NOT NULL,
    previous_expected_at BIGINT,
    notified_by          TEXT NOT NULL,
    notified_at          BIGINT NOT NULL,
    PRIMARY KEY (inquiry_id, position)
);

-- A retried create (or answer, or delay notice) finds its first result here.
CREATE TABLE idempotency_keys (
    scope        TEXT NOT NULL,
    idem_key     TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    inquiry_id   TEXT NOT NULL,
    result_id    TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (scope, idem_key)
);

-- Staff corrections of the classifier, kept to improve the rules (CI-3.9).
CREATE TABLE reclassifications (
    inquiry_id    TEXT NOT NULL REFERENCES inquiries (inquiry_id),
    property_id   TEXT NOT NULL,
    from_category TEXT NOT NULL,
    to_category   TEXT NOT NULL,
    reason        TEXT NOT NULL,
    text          TEXT NOT NULL,
    actor         TEXT NOT NULL,
    at            BIGINT NOT NULL
);
