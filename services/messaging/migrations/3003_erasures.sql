-- Erasures of a stay's guests (issue 8): who erased, when and why; the erased data is gone.
CREATE TABLE guest_erasures (
    erasure_id  TEXT PRIMARY KEY,
    property_id TEXT NOT NULL,
    stay_id     TEXT NOT NULL REFERENCES stays (stay_id),
    erased_by   TEXT NOT NULL,
    erased_at   BIGINT NOT NULL,
    reason      TEXT NOT NULL
);
CREATE INDEX guest_erasures_by_stay ON guest_erasures (stay_id);
