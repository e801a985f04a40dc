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
CREATE INDEX search_documents_words_trgm_idx ON search_documents USING gin (words gin_trgm_ops);
CREATE INDEX search_documents_sort_idx ON search_documents (sort_name, id);
CREATE INDEX search_documents_tags_idx ON search_documents USING gin (tags);
CREATE INDEX search_documents_city_idx ON search_documents (city);

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
