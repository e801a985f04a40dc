-- Bulk data written once: a campaign's frozen audience is the recipients of its launch round
-- (not copied into segment_snapshot_members as well), and the outbox holds one change per
-- subject and transaction.

-- A snapshot held by a campaign: its members are that campaign's recipients of that round,
-- the same rows (erasure removes a person from both). Other snapshots keep their own members.
ALTER TABLE segment_snapshots
    ADD COLUMN campaign_id uuid REFERENCES campaigns (id),
    ADD COLUMN campaign_round date,
    ADD CHECK ((campaign_id IS NULL) = (campaign_round IS NULL));

-- Every snapshot's members, wherever they are kept.
CREATE VIEW snapshot_members AS
SELECT m.snapshot_id, m.person_id FROM segment_snapshot_members m
UNION ALL
SELECT s.id, r.person_id
FROM segment_snapshots s
JOIN campaign_recipients r ON r.campaign_id = s.campaign_id AND r.round = s.campaign_round;

-- Recipients are frozen like snapshot members: a direct DELETE, or an UPDATE that moves a row
-- to another campaign, round or person, is refused outside erasure; the cascades of
-- t0009_bulk_writes (a person, a campaign deleted) run inside another trigger and may.
CREATE FUNCTION campaign_recipients_frozen() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF current_setting('kartei.erasure', true) = 'on' OR pg_trigger_depth() > 1 THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'campaign recipients are frozen' USING ERRCODE = 'check_violation';
END $$;
CREATE TRIGGER campaign_recipients_frozen
    BEFORE DELETE OR UPDATE OF campaign_id, round, person_id ON campaign_recipients
    FOR EACH STATEMENT EXECUTE FUNCTION campaign_recipients_frozen();

-- The indexer claims every pending row of the subjects it builds (kartei_search::outbox).
CREATE INDEX outbox_subject_idx ON outbox (subject_id);

-- Rows this transaction queued are invisible to the indexer until it commits, and the indexer
-- then loads the state the whole transaction left. Rows of a subtransaction carry its own xid
-- and are not matched (a change queued twice is harmless; one missed is not).
CREATE OR REPLACE FUNCTION outbox_persons_upd() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    me xid := pg_current_xact_id()::xid;
BEGIN
    INSERT INTO outbox (topic, subject_id)
    SELECT 'person.changed', n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE (o.salutation, o.title, o.first_name, o.last_name, o.email, o.phone, o.mobile,
           o.position, o.postal_code, o.city, o.country, o.tags, o.owner_id, o.lifecycle_stage,
           o.archived_at, o.merged_into, o.name_key)
          IS DISTINCT FROM
          (n.salutation, n.title, n.first_name, n.last_name, n.email, n.phone, n.mobile,
           n.position, n.postal_code, n.city, n.country, n.tags, n.owner_id, n.lifecycle_stage,
           n.archived_at, n.merged_into, n.name_key)
      AND NOT EXISTS (SELECT 1 FROM outbox q
                      WHERE q.subject_id = n.id AND q.topic = 'person.changed' AND q.xmin = me);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION outbox_person_orgs() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    me xid := pg_current_xact_id()::xid;
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO outbox (topic, subject_id)
        SELECT DISTINCT 'person.changed', r.person_id FROM old_rows r
        WHERE NOT EXISTS (SELECT 1 FROM outbox q
                          WHERE q.subject_id = r.person_id AND q.topic = 'person.changed'
                            AND q.xmin = me);
    ELSE
        INSERT INTO outbox (topic, subject_id)
        SELECT DISTINCT 'person.changed', r.person_id FROM new_rows r
        WHERE NOT EXISTS (SELECT 1 FROM outbox q
                          WHERE q.subject_id = r.person_id AND q.topic = 'person.changed'
                            AND q.xmin = me);
    END IF;
    RETURN NULL;
END $$;

-- A new organization has no people yet: everyone linked to it later is queued by that link
-- (outbox_person_orgs). Its row says so, and the indexer builds its own document without
-- rebuilding those of the people it already has (an import creates organizations and links
-- their people in one transaction).
CREATE OR REPLACE FUNCTION outbox_orgs_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outbox (topic, subject_id) SELECT 'organization.created', id FROM new_rows;
    RETURN NULL;
END $$;

-- Indexes of optional columns hold only the rows that have a value: every query on them
-- compares a value (a phone number, a month, a date range), and a list of a million rows
-- without mobile numbers or purchases then writes no entry for them. Built again here once.
DROP INDEX persons_email_idx, persons_phone_idx, persons_mobile_idx, persons_birthday_month_idx,
    persons_last_interaction_idx, persons_last_purchase_idx;
CREATE INDEX persons_email_idx ON persons (email_normalized) WHERE email_normalized IS NOT NULL;
CREATE INDEX persons_phone_idx ON persons (phone) WHERE phone IS NOT NULL;
CREATE INDEX persons_mobile_idx ON persons (mobile) WHERE mobile IS NOT NULL;
CREATE INDEX persons_birthday_month_idx ON persons ((extract(month FROM birthday)::int))
    WHERE birthday IS NOT NULL;
CREATE INDEX persons_last_interaction_idx ON persons (last_interaction_at)
    WHERE last_interaction_at IS NOT NULL;
CREATE INDEX persons_last_purchase_idx ON persons (last_purchase_at)
    WHERE last_purchase_at IS NOT NULL;
