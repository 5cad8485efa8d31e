-- Routing rules and SLA policies edited by RPC, per property (TOML text, validated on save).
-- A row overrides the chain default and any file in --routing-config-dir.
CREATE TABLE property_config (
    property_id TEXT NOT NULL,
    kind        TEXT NOT NULL,
    body        TEXT NOT NULL,
    version     BIGINT NOT NULL,
    updated_by  TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (property_id, kind)
);
