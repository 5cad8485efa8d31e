-- Messaging's own tables. Same SQL on Postgres and SQLite: times are unix microseconds,
-- ids text, enums stable snake_case codes, flags 0/1.

CREATE TABLE properties (
    property_id TEXT PRIMARY KEY,
    created_at  BIGINT NOT NULL
);

-- Stays mirrored from the PMS; `fingerprint` is the hash of the last PMS record applied, so a
-- replayed sync changes nothing.
CREATE TABLE stays (
    stay_id            TEXT PRIMARY KEY,
    property_id        TEXT NOT NULL REFERENCES properties (property_id),
    reservation_id     TEXT NOT NULL,
    room               TEXT NOT NULL,
    arrival            BIGINT,
    departure          BIGINT,
    status             TEXT NOT NULL,
    privacy            TEXT NOT NULL,
    forwarding_address TEXT NOT NULL,
    forwarding_until   BIGINT,
    vip                BIGINT NOT NULL,
    lamp_on            BIGINT NOT NULL,
    checked_in_at      BIGINT,
    checked_out_at     BIGINT,
    fingerprint        TEXT NOT NULL,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    UNIQUE (property_id, reservation_id)
);
CREATE INDEX stays_by_room ON stays (property_id, room, status);
CREATE INDEX stays_lit ON stays (property_id, lamp_on, room);

CREATE TABLE stay_guests (
    stay_id  TEXT NOT NULL REFERENCES stays (stay_id),
    position BIGINT NOT NULL,
    name_zh  TEXT NOT NULL,
    name_en  TEXT NOT NULL,
    phone    TEXT NOT NULL,
    email    TEXT NOT NULL,
    language TEXT NOT NULL,
    PRIMARY KEY (stay_id, position)
);

-- Normalised name keys (Chinese, pinyin, romanisation in either order) → stay.
CREATE TABLE guest_keys (
    property_id TEXT NOT NULL,
    name_key    TEXT NOT NULL,
    stay_id     TEXT NOT NULL REFERENCES stays (stay_id),
    PRIMARY KEY (property_id, name_key, stay_id)
);
CREATE INDEX guest_keys_by_stay ON guest_keys (stay_id);

-- The access log of guest lookups (MD-2.1).
CREATE TABLE lookups (
    lookup_id            TEXT PRIMARY KEY,
    property_id          TEXT NOT NULL,
    asked_by             TEXT NOT NULL,
    asked_at             BIGINT NOT NULL,
    caller_kind          TEXT NOT NULL,
    query_name           TEXT NOT NULL,
    query_reservation_id TEXT NOT NULL,
    disclosure           TEXT NOT NULL,
    matched_stay_ids     TEXT NOT NULL,
    room_disclosed       BIGINT NOT NULL
);
CREATE INDEX lookups_by_property ON lookups (property_id, asked_at, lookup_id);

CREATE TABLE messages (
    message_id       TEXT PRIMARY KEY,
    property_id      TEXT NOT NULL,
    stay_id          TEXT NOT NULL REFERENCES stays (stay_id),
    direction        TEXT NOT NULL,
    text             TEXT NOT NULL,
    from_name        TEXT NOT NULL,
    from_contact     TEXT NOT NULL,
    visitor_name     TEXT NOT NULL,
    taken_by         TEXT NOT NULL,
    status           TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    read_at          BIGINT,
    collected_by     TEXT NOT NULL,
    identity_checked TEXT NOT NULL
);
CREATE INDEX messages_by_stay ON messages (stay_id, direction, status);
CREATE INDEX messages_open ON messages (property_id, status, created_at);

-- The paper copies of a message, each a task done by someone at some time.
CREATE TABLE delivery_tasks (
    task_id    TEXT PRIMARY KEY,
    message_id TEXT NOT NULL REFERENCES messages (message_id),
    copy_kind  TEXT NOT NULL,
    done_by    TEXT NOT NULL,
    done_at    BIGINT
);
CREATE INDEX delivery_tasks_by_message ON delivery_tasks (message_id);

CREATE TABLE mail_items (
    item_id         TEXT PRIMARY KEY,
    property_id     TEXT NOT NULL,
    kind            TEXT NOT NULL,
    carrier         TEXT NOT NULL,
    tracking_number TEXT NOT NULL,
    addressee_name  TEXT NOT NULL,
    sender          TEXT NOT NULL,
    sort_class      TEXT NOT NULL,
    status          TEXT NOT NULL,
    stay_id         TEXT NOT NULL,
    ambiguous       BIGINT NOT NULL,
    registered_at   BIGINT NOT NULL,
    return_due_at   BIGINT,
    forwarded_to    TEXT NOT NULL,
    delivered_to    TEXT NOT NULL,
    signature_image BYTEA,
    signature_pin   TEXT NOT NULL,
    handed_over_by  TEXT NOT NULL,
    delivered_at    BIGINT,
    notice_message_id TEXT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX mail_by_property ON mail_items (property_id, registered_at, item_id);
CREATE INDEX mail_by_stay ON mail_items (stay_id, status);

-- Every step an item went through, in order (custody log).
CREATE TABLE custody_steps (
    item_id  TEXT NOT NULL REFERENCES mail_items (item_id),
    position BIGINT NOT NULL,
    action   TEXT NOT NULL,
    actor    TEXT NOT NULL,
    at       BIGINT NOT NULL,
    status   TEXT NOT NULL,
    note     TEXT NOT NULL,
    PRIMARY KEY (item_id, position)
);

CREATE TABLE idempotency_keys (
    scope        TEXT NOT NULL,
    idem_key     TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    result_id    TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (scope, idem_key)
);

CREATE TABLE shifts (
    shift_id    TEXT PRIMARY KEY,
    property_id TEXT NOT NULL,
    desk        TEXT NOT NULL,
    opened_by   TEXT NOT NULL,
    opened_at   BIGINT NOT NULL,
    closed_by   TEXT NOT NULL,
    closed_at   BIGINT
);
CREATE INDEX shifts_by_desk ON shifts (property_id, desk, opened_at);

-- The handover log: what a closing shift left open, as an encoded snapshot, and who took it.
CREATE TABLE handovers (
    handover_id     TEXT PRIMARY KEY,
    shift_id        TEXT NOT NULL REFERENCES shifts (shift_id),
    property_id     TEXT NOT NULL,
    desk            TEXT NOT NULL,
    written_at      BIGINT NOT NULL,
    snapshot        BYTEA NOT NULL,
    acknowledged_by TEXT NOT NULL,
    acknowledged_at BIGINT
);
CREATE INDEX handovers_by_desk ON handovers (property_id, desk, written_at);
