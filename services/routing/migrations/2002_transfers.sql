-- CI-3.3 transfer slips and CI-3.4 referrals: kept complete and traceable (CI-3.8).
CREATE TABLE transfer_slips (
    slip_id                    TEXT PRIMARY KEY,
    inquiry_id                 TEXT NOT NULL REFERENCES assignments (inquiry_id),
    from_department            TEXT NOT NULL,
    to_department              TEXT NOT NULL,
    reason                     TEXT NOT NULL,
    customer_told_wait_minutes BIGINT NOT NULL,
    transferred_by             TEXT NOT NULL,
    transferred_at             BIGINT NOT NULL,
    forced                     BIGINT NOT NULL
);
CREATE INDEX transfer_slips_by_inquiry ON transfer_slips (inquiry_id, transferred_at);

CREATE TABLE referrals (
    referral_id TEXT PRIMARY KEY,
    inquiry_id  TEXT NOT NULL REFERENCES assignments (inquiry_id),
    partner_id  TEXT NOT NULL,
    note        TEXT NOT NULL,
    referred_by TEXT NOT NULL,
    referred_at BIGINT NOT NULL
);
CREATE INDEX referrals_by_inquiry ON referrals (inquiry_id, referred_at);
