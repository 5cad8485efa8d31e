-- Which reply template (knowledge article and version) an answer or delay notice was
-- rendered from; NULL when staff wrote the text.
ALTER TABLE responses ADD COLUMN template_id TEXT;
ALTER TABLE responses ADD COLUMN template_version BIGINT;
ALTER TABLE delay_notices ADD COLUMN template_id TEXT;
ALTER TABLE delay_notices ADD COLUMN template_version BIGINT;
