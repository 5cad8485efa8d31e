-- Personal-data erasures (PIPL / GDPR): who erased how much, when and why. The contact that
-- was erased is deliberately not kept.
CREATE TABLE erasures (
    erasure_id  TEXT PRIMARY KEY,
    property_id TEXT NOT NULL,
    contact_kind TEXT NOT NULL,
    reason      TEXT NOT NULL,
    inquiries   BIGINT NOT NULL,
    actor       TEXT NOT NULL,
    at          BIGINT NOT NULL
);
-- Retention finds closed inquiries whose personal data is due for redaction.
CREATE INDEX inquiries_by_resolved ON inquiries (resolved_at);
-- Set when a customer's personal data in this inquiry was erased (on request or by retention).
ALTER TABLE inquiries ADD COLUMN personal_data_erased_at BIGINT;
