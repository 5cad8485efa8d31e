-- Routing's directory. Same SQL on Postgres and SQLite (times in unix microseconds).

CREATE TABLE departments (
    property_id           TEXT NOT NULL,
    code                  TEXT NOT NULL,
    name_zh               TEXT NOT NULL,
    name_en               TEXT NOT NULL,
    head_staff_id         TEXT NOT NULL,
    duty_manager_staff_id TEXT NOT NULL,
    email                 TEXT NOT NULL,
    phone                 TEXT NOT NULL,
    updated_at            BIGINT NOT NULL,
    PRIMARY KEY (property_id, code)
);

CREATE TABLE staff (
    property_id     TEXT NOT NULL,
    staff_id        TEXT NOT NULL,
    name            TEXT NOT NULL,
    department_code TEXT NOT NULL,
    role            TEXT NOT NULL,
    -- Comma-separated codes: small fixed vocabularies, read whole with the row.
    languages       TEXT NOT NULL,
    skills          TEXT NOT NULL,
    capacity        BIGINT NOT NULL,
    on_duty         BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    PRIMARY KEY (property_id, staff_id),
    FOREIGN KEY (property_id, department_code) REFERENCES departments (property_id, code)
);
CREATE INDEX staff_by_department ON staff (property_id, department_code, staff_id);

CREATE TABLE partners (
    property_id  TEXT NOT NULL,
    partner_id   TEXT NOT NULL,
    kind         TEXT NOT NULL,
    name         TEXT NOT NULL,
    contact_name TEXT NOT NULL,
    phone        TEXT NOT NULL,
    email        TEXT NOT NULL,
    handles      TEXT NOT NULL,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (property_id, partner_id)
);
