-- Referral state: referred → contacted → closed | declined.
ALTER TABLE referrals ADD COLUMN state TEXT NOT NULL DEFAULT 'referred';
ALTER TABLE referrals ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;
