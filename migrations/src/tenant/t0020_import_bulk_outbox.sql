-- A bulk import (kartei_contacts::import::bulk) queues its new persons for the search index
-- once at its end, with one statement over the persons created since it started, instead of
-- an outbox row per person and per link during the load (the index waits for a large import
-- anyway). Its batches say so with `kartei.outbox_links = 'off'`; the links they write to
-- persons that were there before are queued by the import itself.
CREATE OR REPLACE FUNCTION outbox_person_orgs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO outbox (topic, subject_id) SELECT DISTINCT 'person.changed', person_id FROM old_rows;
    ELSIF current_setting('kartei.outbox_links', true) IS DISTINCT FROM 'off' THEN
        INSERT INTO outbox (topic, subject_id) SELECT DISTINCT 'person.changed', person_id FROM new_rows;
    END IF;
    RETURN NULL;
END $$;

COMMENT ON COLUMN imports.deferred_indexes IS
    'Bulk mode: what the import left to do after the load: index definitions (pg_get_indexdef), '
    'foreign keys (FK <table> <name> <definition>) and OUTBOX (queue the persons created since '
    'the import started for the search index).';
