-- Contact search: the in-database index, the indexer's state, and the triggers that put every
-- searchable change into the outbox in the data's own transaction.

-- The in-database backend's documents (one per live person or organization). Written only by
-- the outbox indexer and `kartei search reindex`; erasure deletes a person's row directly.
CREATE TABLE search_documents (
    id               uuid PRIMARY KEY,
    kind             text NOT NULL CHECK (kind IN ('person', 'organization')),
    -- What a hit shows (kartei_search::Document as JSON).
    doc              jsonb NOT NULL,
    -- Folded name (German normalization, see kartei_search::fold) for exact/prefix ranking.
    name_fold        text NOT NULL,
    -- Every searchable word, folded: names, organization, city, postal code, e-mail parts,
    -- phone digits (international and national), tags.
    words            text NOT NULL,
    tsv              tsvector GENERATED ALWAYS AS (to_tsvector('simple', words)) STORED,
    tags             text[] NOT NULL DEFAULT '{}',
    lifecycle_stage  text NOT NULL,
    city             text,
    industry         text,
    owner_id         uuid,
    sort_name        text NOT NULL,
    indexed_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX search_documents_tsv_idx ON search_documents USING gin (tsv);
CREATE INDEX search_documents_sort_idx ON search_documents (sort_name, id);
CREATE INDEX search_documents_tags_idx ON search_documents USING gin (tags);
CREATE INDEX search_documents_city_idx ON search_documents (city);

-- The distinct words of all documents: a typo'd query word is matched against this small table
-- (trigram candidates, confirmed by edit distance), then its spellings are looked up in the
-- documents' full-text index. Kept by triggers: a word is added with the first document that
-- has it and removed when the last one goes (erasure included). Digits and words under four
-- letters are left out (no typo tolerance there).
CREATE TABLE search_words (
    word  text PRIMARY KEY
);
CREATE INDEX search_words_trgm_idx ON search_words USING gin (word gin_trgm_ops);

-- A full reindex (kartei.search_reindex = 'on') skips these and rebuilds the table once.
CREATE FUNCTION search_words_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('kartei.search_reindex', true) = 'on' THEN
        RETURN NULL;
    END IF;
    INSERT INTO search_words (word)
    SELECT DISTINCT w FROM new_rows d, unnest(string_to_array(d.words, ' ')) w
    WHERE length(w) >= 4 AND w !~ '^[0-9]+$'
    ORDER BY 1
    ON CONFLICT (word) DO NOTHING;
    RETURN NULL;
END $$;
-- Only words that left a document are checked, and removed when no document has them any
-- more. Words are folded to [a-z0-9], so each is a valid tsquery of one lexeme.
CREATE FUNCTION search_words_prune() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('kartei.search_reindex', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM search_words s
        WHERE s.word IN (SELECT w FROM old_rows d, unnest(string_to_array(d.words, ' ')) w
                         EXCEPT
                         SELECT w FROM new_rows d, unnest(string_to_array(d.words, ' ')) w)
          AND NOT EXISTS (SELECT 1 FROM search_documents x
                          WHERE x.tsv @@ to_tsquery('simple', s.word));
    ELSE
        DELETE FROM search_words s
        WHERE s.word IN (SELECT w FROM old_rows d, unnest(string_to_array(d.words, ' ')) w)
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

-- The indexer's state for this tenant (one row).
CREATE TABLE search_state (
    singleton        boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    last_drained_at  timestamptz,
    drained_total    bigint NOT NULL DEFAULT 0,
    failures         int NOT NULL DEFAULT 0,
    last_error       text,
    last_error_at    timestamptz,
    reindexed_at     timestamptz
);
INSERT INTO search_state DEFAULT VALUES;

CREATE INDEX outbox_created_idx ON outbox (created_at);

-- Wakes the indexer: one waiting `search.drain` job per tenant (see platform.jobs'
-- jobs_search_drain_queued_idx). The tenant id is the schema name's hex digits.
CREATE FUNCTION outbox_wake() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM new_rows) THEN
        INSERT INTO platform.jobs (id, tenant_id, kind, subject_id)
        VALUES (gen_random_uuid(), substr(TG_TABLE_SCHEMA, 3)::uuid, 'search.drain',
                '00000000-0000-0000-0000-000000000000')
        ON CONFLICT (tenant_id) WHERE kind = 'search.drain' AND status = 'queued' DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER outbox_wake AFTER INSERT ON outbox
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION outbox_wake();

-- Persons: every insert and delete, and updates of what a document shows or filters on
-- (not the interaction/purchase touches, which change nothing searchable).
CREATE FUNCTION outbox_persons_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outbox (topic, subject_id) SELECT 'person.changed', id FROM new_rows;
    RETURN NULL;
END $$;
CREATE FUNCTION outbox_persons_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outbox (topic, subject_id)
    SELECT 'person.changed', n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE (o.salutation, o.title, o.first_name, o.last_name, o.email, o.phone, o.mobile,
           o.position, o.postal_code, o.city, o.country, o.tags, o.owner_id, o.lifecycle_stage,
           o.archived_at, o.merged_into, o.name_key)
          IS DISTINCT FROM
          (n.salutation, n.title, n.first_name, n.last_name, n.email, n.phone, n.mobile,
           n.position, n.postal_code, n.city, n.country, n.tags, n.owner_id, n.lifecycle_stage,
           n.archived_at, n.merged_into, n.name_key);
    RETURN NULL;
END $$;
CREATE FUNCTION outbox_persons_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outbox (topic, subject_id) SELECT 'person.changed', id FROM old_rows;
    RETURN NULL;
END $$;
CREATE TRIGGER outbox_persons_ins AFTER INSERT ON persons
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION outbox_persons_ins();
CREATE TRIGGER outbox_persons_upd AFTER UPDATE ON persons
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_persons_upd();
CREATE TRIGGER outbox_persons_del AFTER DELETE ON persons
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION outbox_persons_del();

-- Organizations: their own document, and (by the indexer) the documents of their people.
CREATE FUNCTION outbox_orgs_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outbox (topic, subject_id) SELECT 'organization.changed', id FROM new_rows;
    RETURN NULL;
END $$;
CREATE FUNCTION outbox_orgs_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outbox (topic, subject_id)
    SELECT 'organization.changed', n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE (o.name, o.name_key, o.industry, o.email, o.phone, o.postal_code, o.city, o.country,
           o.website, o.tags, o.owner_id, o.lifecycle_stage, o.archived_at, o.merged_into)
          IS DISTINCT FROM
          (n.name, n.name_key, n.industry, n.email, n.phone, n.postal_code, n.city, n.country,
           n.website, n.tags, n.owner_id, n.lifecycle_stage, n.archived_at, n.merged_into);
    RETURN NULL;
END $$;
CREATE FUNCTION outbox_orgs_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outbox (topic, subject_id) SELECT 'organization.changed', id FROM old_rows;
    RETURN NULL;
END $$;
CREATE TRIGGER outbox_orgs_ins AFTER INSERT ON organizations
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION outbox_orgs_ins();
CREATE TRIGGER outbox_orgs_upd AFTER UPDATE ON organizations
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_orgs_upd();
CREATE TRIGGER outbox_orgs_del AFTER DELETE ON organizations
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION outbox_orgs_del();

-- A person's organization (name, industry) is part of their document.
CREATE FUNCTION outbox_person_orgs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO outbox (topic, subject_id) SELECT DISTINCT 'person.changed', person_id FROM old_rows;
    ELSE
        INSERT INTO outbox (topic, subject_id) SELECT DISTINCT 'person.changed', person_id FROM new_rows;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER outbox_person_orgs_ins AFTER INSERT ON person_organizations
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION outbox_person_orgs();
CREATE TRIGGER outbox_person_orgs_upd AFTER UPDATE ON person_organizations
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION outbox_person_orgs();
CREATE TRIGGER outbox_person_orgs_del AFTER DELETE ON person_organizations
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION outbox_person_orgs();

-- Everything that exists now gets indexed by the first drain.
INSERT INTO outbox (topic, subject_id) SELECT 'person.changed', id FROM persons;
INSERT INTO outbox (topic, subject_id) SELECT 'organization.changed', id FROM organizations;
