-- Bulk data written once: a campaign's frozen audience is the recipients of its launch round
-- (not copied into segment_snapshot_members as well); the indexer builds each subject's
-- document once per batch however many of its changes wait; optional person columns are
-- indexed only where they have a value.

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

-- An import queues its new persons itself, in the part of a batch that runs beside the next
-- batch's person writes (kartei_contacts::import), not inside the persons INSERT.
CREATE OR REPLACE FUNCTION outbox_persons_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('kartei.outbox_persons_ins', true) = 'off' THEN
        RETURN NULL;
    END IF;
    INSERT INTO outbox (topic, subject_id) SELECT 'person.changed', id FROM new_rows;
    RETURN NULL;
END $$;

-- The oldest waiting change is the one with the lowest id (status reads it by the key).
DROP INDEX outbox_created_idx;

-- A launch writes its recipients from `persons` in the same statement (add_recipients), so
-- each names a person that exists, and deleting persons waits for the launch (t0009's lock):
-- it says so (`kartei.recipients_from_persons`) and the check of the persons is skipped for
-- that statement; the campaign is still checked. Updates cannot move a recipient (frozen), so
-- they check nothing.
CREATE OR REPLACE FUNCTION campaign_recipients_refs() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM (SELECT DISTINCT campaign_id FROM new_rows) n
               WHERE NOT EXISTS (SELECT 1 FROM campaigns c WHERE c.id = n.campaign_id))
       OR (current_setting('kartei.recipients_from_persons', true) IS DISTINCT FROM 'on'
           AND EXISTS (SELECT 1 FROM new_rows n WHERE NOT EXISTS
                       (SELECT 1 FROM persons p WHERE p.id = n.person_id))) THEN
        RAISE EXCEPTION 'a campaign recipient refers to a campaign or person that does not exist'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;
DROP TRIGGER campaign_recipients_refs_upd ON campaign_recipients;
