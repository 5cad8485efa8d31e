-- Staff quiz attempts from knowledge's QuizSubmitted events (CI-4.3), for the per-employee
-- report (CI-5.5). Ids and numbers only.
CREATE TABLE analytics_quiz_attempts (
    attempt_id   TEXT PRIMARY KEY,
    property_id  TEXT NOT NULL,
    quiz_id      TEXT NOT NULL,
    staff_id     TEXT NOT NULL,
    correct      BIGINT NOT NULL,
    total        BIGINT NOT NULL,
    submitted_at BIGINT NOT NULL
);
CREATE INDEX analytics_quiz_attempts_by_period ON analytics_quiz_attempts (property_id, submitted_at);
