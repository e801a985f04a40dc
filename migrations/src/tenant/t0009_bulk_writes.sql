-- Bulk writes without per-row trigger work.
--
-- The keyed address hashes: a set-based writer (the import) computes them in its own INSERT
-- from `compliance_secrets` and the row trigger runs only for a row that arrives without them;
-- an UPDATE runs it only when an address changed (a touch of `last_interaction_at` no longer
-- calls PL/pgSQL at all). The function is unchanged.
DROP TRIGGER persons_address_hashes ON persons;
CREATE TRIGGER persons_address_hashes_insert BEFORE INSERT ON persons FOR EACH ROW
    WHEN ((NEW.email_normalized IS NOT NULL AND NEW.email_hash IS NULL)
          OR (NEW.phone IS NOT NULL AND NEW.phone_hash IS NULL)
          OR (NEW.mobile IS NOT NULL AND NEW.mobile_hash IS NULL))
    EXECUTE FUNCTION persons_address_hashes();
CREATE TRIGGER persons_address_hashes_update BEFORE UPDATE ON persons FOR EACH ROW
    WHEN (NEW.email_normalized IS DISTINCT FROM OLD.email_normalized
          OR NEW.phone IS DISTINCT FROM OLD.phone OR NEW.mobile IS DISTINCT FROM OLD.mobile)
    EXECUTE FUNCTION persons_address_hashes();

-- A campaign's frozen audience (a segment snapshot and the recipients of a round, up to every
-- contact of a tenant) checks its references once per statement instead of once per row: the
-- foreign keys below become statement-level checks over the inserted rows (an anti-join, not
-- a trigger call and a row lock per row) and statement-level cascades.
ALTER TABLE segment_snapshot_members
    DROP CONSTRAINT segment_snapshot_members_snapshot_id_fkey,
    DROP CONSTRAINT segment_snapshot_members_person_id_fkey;
ALTER TABLE campaign_recipients
    DROP CONSTRAINT campaign_recipients_campaign_id_fkey,
    DROP CONSTRAINT campaign_recipients_person_id_fkey;

CREATE FUNCTION snapshot_members_refs() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM (SELECT DISTINCT snapshot_id FROM new_rows) n
               WHERE NOT EXISTS (SELECT 1 FROM segment_snapshots s WHERE s.id = n.snapshot_id))
       OR EXISTS (SELECT 1 FROM new_rows n WHERE NOT EXISTS
                  (SELECT 1 FROM persons p WHERE p.id = n.person_id)) THEN
        RAISE EXCEPTION 'a snapshot member refers to a snapshot or person that does not exist'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER snapshot_members_refs_ins AFTER INSERT ON segment_snapshot_members
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION snapshot_members_refs();
CREATE TRIGGER snapshot_members_refs_upd AFTER UPDATE ON segment_snapshot_members
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION snapshot_members_refs();

CREATE FUNCTION campaign_recipients_refs() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM (SELECT DISTINCT campaign_id FROM new_rows) n
               WHERE NOT EXISTS (SELECT 1 FROM campaigns c WHERE c.id = n.campaign_id))
       OR EXISTS (SELECT 1 FROM new_rows n WHERE NOT EXISTS
                  (SELECT 1 FROM persons p WHERE p.id = n.person_id)) THEN
        RAISE EXCEPTION 'a campaign recipient refers to a campaign or person that does not exist'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER campaign_recipients_refs_ins AFTER INSERT ON campaign_recipients
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION campaign_recipients_refs();
CREATE TRIGGER campaign_recipients_refs_upd AFTER UPDATE ON campaign_recipients
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION campaign_recipients_refs();

-- The cascades. Deleting persons first waits for every transaction writing an audience (a
-- launch reads the persons it freezes without locking them): the lock is taken before any row
-- is deleted, so the order is always table, then person, as for a send. The dependents are
-- then deleted with a snapshot that sees what those transactions committed.
--
-- The same goes for the search indexer, which no longer share-locks every person whose
-- document it writes (a row lock per document, written to every row): deleting persons takes
-- the tenant's drain lock, so it waits for a batch being indexed and no batch starts until the
-- deletion committed; the deleter then removes the documents itself.
CREATE FUNCTION persons_delete_lock() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext(current_schema() || ':search.drain'));
    LOCK TABLE segment_snapshot_members, campaign_recipients IN SHARE ROW EXCLUSIVE MODE;
    RETURN NULL;
END $$;
CREATE TRIGGER persons_delete_lock BEFORE DELETE ON persons
    FOR EACH STATEMENT EXECUTE FUNCTION persons_delete_lock();

CREATE FUNCTION persons_audience_cascade() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    DELETE FROM segment_snapshot_members m USING old_rows o WHERE m.person_id = o.id;
    DELETE FROM campaign_recipients r USING old_rows o WHERE r.person_id = o.id;
    RETURN NULL;
END $$;
CREATE TRIGGER persons_audience_cascade AFTER DELETE ON persons
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION persons_audience_cascade();

CREATE FUNCTION snapshots_members_cascade() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    DELETE FROM segment_snapshot_members m USING old_rows o WHERE m.snapshot_id = o.id;
    RETURN NULL;
END $$;
CREATE TRIGGER snapshots_members_cascade AFTER DELETE ON segment_snapshots
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION snapshots_members_cascade();

CREATE FUNCTION campaigns_recipients_cascade() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    DELETE FROM campaign_recipients r USING old_rows o WHERE r.campaign_id = o.id;
    RETURN NULL;
END $$;
CREATE TRIGGER campaigns_recipients_cascade AFTER DELETE ON campaigns
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION campaigns_recipients_cascade();

-- Waking the indexer. A writer with two transactions open at once (the import stages one batch
-- while the one before finishes) must not let the later one hold the waiting `search.drain`
-- job's unique slot while the earlier one needs it: the earlier would wait on the later, which
-- waits for the earlier to commit. Such a writer turns the trigger's wake-up off
-- (`kartei.outbox_wake`) and calls `outbox_wake_now()` itself where it is safe.
CREATE FUNCTION outbox_wake_now() RETURNS void
LANGUAGE sql SET search_path FROM CURRENT AS $$
    INSERT INTO platform.jobs (id, tenant_id, kind, subject_id)
    VALUES (gen_random_uuid(), substr(current_schema(), 3)::uuid, 'search.drain',
            '00000000-0000-0000-0000-000000000000')
    ON CONFLICT (tenant_id) WHERE kind = 'search.drain' AND status = 'queued' DO NOTHING
$$;
CREATE OR REPLACE FUNCTION outbox_wake() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('kartei.outbox_wake', true) = 'off' THEN
        RETURN NULL;
    END IF;
    IF EXISTS (SELECT 1 FROM new_rows) THEN
        -- The schema of the table written, whatever the writer's search_path.
        EXECUTE format('SELECT %I.outbox_wake_now()', TG_TABLE_SCHEMA);
    END IF;
    RETURN NULL;
END $$;
