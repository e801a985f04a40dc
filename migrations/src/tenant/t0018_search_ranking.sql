-- Search that ranks the right person first (issue 18). The in-database index keeps its words
-- by field, weighted in one tsvector: name A, organization B, street/postal code/city C,
-- e-mail, industry, tags and phone digits D. A query is answered tier by tier (exact name,
-- name prefix, typo'd name, then organization, place, other), each tier a weight-restricted
-- lookup in the same GIN index (kartei_search::pg).

DROP TRIGGER search_words_ins ON search_documents;
DROP TRIGGER search_words_upd_add ON search_documents;
DROP TRIGGER search_words_upd_prune ON search_documents;
DROP TRIGGER search_words_del ON search_documents;

-- Documents indexed before keep matching (all their words count as "other") until the drain
-- below has rebuilt them with their fields apart.
ALTER TABLE search_documents
    ADD COLUMN lead_key text NOT NULL DEFAULT '',
    ADD COLUMN org_words text NOT NULL DEFAULT '',
    ADD COLUMN place_words text NOT NULL DEFAULT '',
    ADD COLUMN other_words text NOT NULL DEFAULT '';
UPDATE search_documents SET other_words = words;
ALTER TABLE search_documents DROP COLUMN tsv, DROP COLUMN words;
ALTER TABLE search_documents ADD COLUMN tsv tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', name_fold), 'A')
    || setweight(to_tsvector('simple', org_words), 'B')
    || setweight(to_tsvector('simple', place_words), 'C')
    || setweight(to_tsvector('simple', other_words), 'D')) STORED;
CREATE INDEX search_documents_tsv_idx ON search_documents USING gin (tsv);
-- The lead key is a person's folded "last first", an organization's folded name. A one-word
-- name query walks this index in order from the word, so a common name's first page costs a
-- page, not a sort of every match. Folded to [a-z0-9 ]: byte order is alphabetical order.
CREATE INDEX search_documents_lead_idx ON search_documents ((lead_key COLLATE "C"), id);

-- Typo candidates are words of letters only: e-mail tokens with digits (`muller107`) crowded
-- out the names they resemble. Words of four letters and more (one typo from four).
CREATE OR REPLACE FUNCTION search_words_of(t text) RETURNS SETOF text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT DISTINCT w FROM unnest(string_to_array(t, ' ')) w WHERE w ~ '^[a-z]{4,}$'
$$;
CREATE OR REPLACE FUNCTION search_words_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('kartei.search_reindex', true) = 'on' THEN
        RETURN NULL;
    END IF;
    INSERT INTO search_words (word)
    SELECT DISTINCT w FROM new_rows d,
        search_words_of(concat_ws(' ', d.name_fold, d.org_words, d.place_words, d.other_words)) w
    ORDER BY 1
    ON CONFLICT (word) DO NOTHING;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION search_words_prune() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('kartei.search_reindex', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM search_words s
        WHERE s.word IN (SELECT w FROM old_rows d, search_words_of(concat_ws(' ', d.name_fold,
                             d.org_words, d.place_words, d.other_words)) w
                         EXCEPT
                         SELECT w FROM new_rows d, search_words_of(concat_ws(' ', d.name_fold,
                             d.org_words, d.place_words, d.other_words)) w)
          AND NOT EXISTS (SELECT 1 FROM search_documents x
                          WHERE x.tsv @@ to_tsquery('simple', s.word));
    ELSE
        DELETE FROM search_words s
        WHERE s.word IN (SELECT w FROM old_rows d, search_words_of(concat_ws(' ', d.name_fold,
                             d.org_words, d.place_words, d.other_words)) w)
          AND NOT EXISTS (SELECT 1 FROM search_documents x
                          WHERE x.tsv @@ to_tsquery('simple', s.word));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER search_words_ins AFTER INSERT ON search_documents
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION search_words_add();
CREATE TRIGGER search_words_upd_add AFTER UPDATE ON search_documents
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION search_words_add();
CREATE TRIGGER search_words_upd_prune AFTER UPDATE ON search_documents
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION search_words_prune();
CREATE TRIGGER search_words_del AFTER DELETE ON search_documents
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION search_words_prune();
DELETE FROM search_words WHERE word !~ '^[a-z]{4,}$';

-- The street is searchable now: a change of it re-indexes the person or organization.
CREATE OR REPLACE FUNCTION outbox_persons_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outbox (topic, subject_id)
    SELECT 'person.changed', n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE (o.salutation, o.title, o.first_name, o.last_name, o.email, o.phone, o.mobile,
           o.position, o.street, o.postal_code, o.city, o.country, o.tags, o.owner_id,
           o.lifecycle_stage, o.archived_at, o.merged_into, o.name_key, o.restricted_at)
          IS DISTINCT FROM
          (n.salutation, n.title, n.first_name, n.last_name, n.email, n.phone, n.mobile,
           n.position, n.street, n.postal_code, n.city, n.country, n.tags, n.owner_id,
           n.lifecycle_stage, n.archived_at, n.merged_into, n.name_key, n.restricted_at);
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION outbox_orgs_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outbox (topic, subject_id)
    SELECT 'organization.changed', n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE (o.name, o.name_key, o.industry, o.email, o.phone, o.street, o.postal_code, o.city,
           o.country, o.website, o.tags, o.owner_id, o.lifecycle_stage, o.archived_at,
           o.merged_into)
          IS DISTINCT FROM
          (n.name, n.name_key, n.industry, n.email, n.phone, n.street, n.postal_code, n.city,
           n.country, n.website, n.tags, n.owner_id, n.lifecycle_stage, n.archived_at,
           n.merged_into);
    RETURN NULL;
END $$;

-- Every document is rebuilt with its fields apart (and its street) by the next drain.
INSERT INTO outbox (topic, subject_id)
SELECT 'person.changed', id FROM persons
WHERE archived_at IS NULL AND merged_into IS NULL AND restricted_at IS NULL;
INSERT INTO outbox (topic, subject_id)
SELECT 'organization.changed', id FROM organizations
WHERE archived_at IS NULL AND merged_into IS NULL;
ANALYZE search_documents, search_words;
