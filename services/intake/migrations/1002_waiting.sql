-- Waiting on the customer pauses SLA clocks (routing keeps the pauses).
ALTER TABLE inquiries ADD COLUMN waiting_since BIGINT;
