-- Search at chain scale (ListInquiries `text`, `customer_phone`, `customer_email`,
-- `reservation_ref`): see domain/search.rs for what the grams are and which terms they serve.
--
-- search_tokens: the row's grams (3-character windows, and 2-character windows of Chinese),
-- space-separated, computed by intake; NULL until a row written before this migration has
-- been indexed by intake's start-up backfill. Erasure sets it to ''.
ALTER TABLE inquiries ADD COLUMN search_tokens TEXT;
-- The customer's phone as one key however it was written (platform::contact::phone_key).
ALTER TABLE inquiries ADD COLUMN customer_phone_key TEXT NOT NULL DEFAULT '';

-- Exact look-ups, newest first like every list.
CREATE INDEX inquiries_by_phone_key ON inquiries (customer_phone_key, created_at, inquiry_id);
CREATE INDEX inquiries_by_email ON inquiries (LOWER(customer_email), created_at, inquiry_id);
CREATE INDEX inquiries_by_reservation_ref ON inquiries (LOWER(reservation_ref), created_at, inquiry_id);

-- backend: postgres
-- A GIN index over the grams: `string_to_array(search_tokens, ' ') @> grams of the term`.
-- ANALYZE keeps per-gram frequencies for this expression, so the planner walks the
-- created_at index for a common term and the GIN index for a rare or absent one.
CREATE INDEX inquiries_search ON inquiries USING GIN (string_to_array(search_tokens, ' '));

-- backend: sqlite
-- FTS5 over the same grams (tokenize 'ascii': a gram is one token, nothing folded twice),
-- kept in step with `inquiries` by triggers; rowids are the inquiries' rowids.
CREATE VIRTUAL TABLE inquiries_search USING fts5(
    search_tokens, content = 'inquiries', content_rowid = 'rowid', tokenize = 'ascii'
);
CREATE TRIGGER inquiries_search_insert AFTER INSERT ON inquiries BEGIN
    INSERT INTO inquiries_search (rowid, search_tokens) VALUES (new.rowid, new.search_tokens);
END;
CREATE TRIGGER inquiries_search_update AFTER UPDATE OF search_tokens ON inquiries BEGIN
    INSERT INTO inquiries_search (inquiries_search, rowid, search_tokens)
        VALUES ('delete', old.rowid, old.search_tokens);
    INSERT INTO inquiries_search (rowid, search_tokens) VALUES (new.rowid, new.search_tokens);
END;
CREATE TRIGGER inquiries_search_delete AFTER DELETE ON inquiries BEGIN
    INSERT INTO inquiries_search (inquiries_search, rowid, search_tokens)
        VALUES ('delete', old.rowid, old.search_tokens);
END;
