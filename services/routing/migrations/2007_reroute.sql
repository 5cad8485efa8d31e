-- Reclassification and triage (issues 9, 15): an inquiry whose category is unconfirmed waits
-- at the triage desk; when intake's classification changes, routing re-plans and keeps the
-- deadlines first planned on arrival on record.
ALTER TABLE assignments ADD COLUMN needs_triage BIGINT NOT NULL DEFAULT 0;
ALTER TABLE assignments ADD COLUMN initial_first_response_due BIGINT NOT NULL DEFAULT 0;
ALTER TABLE assignments ADD COLUMN initial_resolution_due BIGINT NOT NULL DEFAULT 0;
UPDATE assignments SET initial_first_response_due = first_response_due,
    initial_resolution_due = original_resolution_due;

-- Transfer slips are listed per property and department (ListTransfers), and say whose
-- hands the inquiry left and reached.
ALTER TABLE transfer_slips ADD COLUMN property_id TEXT NOT NULL DEFAULT '';
ALTER TABLE transfer_slips ADD COLUMN from_staff_id TEXT NOT NULL DEFAULT '';
ALTER TABLE transfer_slips ADD COLUMN to_staff_id TEXT NOT NULL DEFAULT '';
UPDATE transfer_slips SET property_id = COALESCE(
    (SELECT a.property_id FROM assignments a WHERE a.inquiry_id = transfer_slips.inquiry_id), '');
CREATE INDEX transfer_slips_by_property ON transfer_slips (property_id, transferred_at, slip_id);
