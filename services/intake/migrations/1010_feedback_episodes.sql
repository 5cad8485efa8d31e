-- One rating per answer episode (CI-5.4): after a reopen and a new answer the customer may
-- rate again. The inquiry row keeps the latest rating and which answer it rates; earlier
-- ratings move here, oldest first.
ALTER TABLE inquiries ADD COLUMN feedback_response_id TEXT;
CREATE TABLE earlier_feedback (
    inquiry_id   TEXT NOT NULL,
    position     BIGINT NOT NULL,
    response_id  TEXT NOT NULL,
    satisfaction TEXT NOT NULL,
    comment      TEXT NOT NULL,
    recorded_by  TEXT NOT NULL,
    recorded_at  BIGINT NOT NULL,
    PRIMARY KEY (inquiry_id, position)
);
