-- Knowledge's own tables. Same SQL on Postgres and SQLite: times are unix microseconds,
-- ids text, enums stable snake_case codes, lists newline-joined text.

-- Counters: `seq` orders every change replicas' indexes follow (its row lock orders
-- concurrent writers, so sequence order is commit order); `synonyms` is the sequence of the
-- last synonym change.
CREATE TABLE kb_counters (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO kb_counters (name, value) VALUES ('seq', 0);
INSERT INTO kb_counters (name, value) VALUES ('synonyms', 0);

-- The head of each article; `published_version` is the version search serves (0: none).
CREATE TABLE articles (
    article_id        TEXT PRIMARY KEY,
    property_id       TEXT NOT NULL,
    slug              TEXT NOT NULL,
    language          TEXT NOT NULL,
    head_version      BIGINT NOT NULL,
    published_version BIGINT NOT NULL,
    status            TEXT NOT NULL,
    change_seq        BIGINT NOT NULL,
    created_by        TEXT NOT NULL,
    created_at        BIGINT NOT NULL,
    UNIQUE (property_id, slug, language)
);
CREATE INDEX articles_by_change ON articles (change_seq);
CREATE INDEX articles_by_property ON articles (property_id, article_id);

-- Every version ever written, the head included.
CREATE TABLE article_versions (
    article_id       TEXT NOT NULL REFERENCES articles (article_id),
    version          BIGINT NOT NULL,
    slug             TEXT NOT NULL,
    language         TEXT NOT NULL,
    kind             TEXT NOT NULL,
    translation_of   TEXT NOT NULL,
    title            TEXT NOT NULL,
    body             TEXT NOT NULL,
    tags             TEXT NOT NULL,
    owner_department TEXT NOT NULL,
    status           TEXT NOT NULL,
    effective_from   BIGINT,
    effective_until  BIGINT,
    review_by        BIGINT,
    updated_by       TEXT NOT NULL,
    updated_at       BIGINT NOT NULL,
    PRIMARY KEY (article_id, version)
);

-- The chain-wide synonym list: one row per group, terms newline-joined.
CREATE TABLE synonym_groups (
    position   BIGINT PRIMARY KEY,
    terms      TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE idempotency_keys (
    scope        TEXT NOT NULL,
    idem_key     TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    result_id    TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (scope, idem_key)
);

CREATE TABLE quizzes (
    quiz_id     TEXT PRIMARY KEY,
    property_id TEXT NOT NULL,
    title       TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE quiz_questions (
    quiz_id        TEXT NOT NULL REFERENCES quizzes (quiz_id),
    position       BIGINT NOT NULL,
    text           TEXT NOT NULL,
    choices        TEXT NOT NULL,
    correct_choice BIGINT NOT NULL,
    article_id     TEXT NOT NULL,
    PRIMARY KEY (quiz_id, position)
);

CREATE TABLE quiz_assignments (
    assignment_id TEXT PRIMARY KEY,
    quiz_id       TEXT NOT NULL REFERENCES quizzes (quiz_id),
    departments   TEXT NOT NULL,
    staff_ids     TEXT NOT NULL,
    due_at        BIGINT,
    assigned_by   TEXT NOT NULL,
    assigned_at   BIGINT NOT NULL
);

CREATE TABLE quiz_attempts (
    attempt_id   TEXT PRIMARY KEY,
    quiz_id      TEXT NOT NULL REFERENCES quizzes (quiz_id),
    staff_id     TEXT NOT NULL,
    started_at   BIGINT NOT NULL,
    answers      TEXT,
    correct      BIGINT,
    total        BIGINT NOT NULL,
    submitted_at BIGINT
);
CREATE INDEX quiz_attempts_by_quiz ON quiz_attempts (quiz_id, staff_id);
