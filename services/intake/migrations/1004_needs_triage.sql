-- Classifications below the confidence threshold wait for a person to confirm the category.
ALTER TABLE inquiries ADD COLUMN needs_triage BIGINT NOT NULL DEFAULT 0;
