-- Restriction of processing (Art. 18 GDPR). A restricted person is only stored: every feature
-- that processes persons leaves them out (segments, audiences, sends, search, exports,
-- analytics, retention), and their record cannot change until the restriction is lifted or the
-- person is erased. The trigger below is the backstop every write path meets.
ALTER TABLE persons
    ADD COLUMN restricted_at timestamptz,
    ADD COLUMN restriction_reason text CHECK (length(restriction_reason) BETWEEN 1 AND 500),
    ADD CONSTRAINT persons_restriction_check CHECK ((restricted_at IS NULL) = (restriction_reason IS NULL));
CREATE INDEX persons_restricted_idx ON persons (restricted_at) WHERE restricted_at IS NOT NULL;

-- Only the restriction itself (placing or lifting it) changes a restricted row; an erasure's
-- redaction of other people's free text may recompute its derived touch columns.
CREATE FUNCTION persons_restricted_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.restricted_at IS NOT DISTINCT FROM OLD.restricted_at
       AND current_setting('kartei.erasure', true) IS DISTINCT FROM 'on' THEN
        RAISE EXCEPTION 'this person is under restriction of processing (Art. 18 GDPR); lift the restriction before changing them'
            USING ERRCODE = 'KR018';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER persons_restricted_frozen BEFORE UPDATE ON persons
    FOR EACH ROW WHEN (OLD.restricted_at IS NOT NULL) EXECUTE FUNCTION persons_restricted_frozen();

-- A restriction takes the person out of the search index (and lifting it puts them back).
CREATE OR REPLACE FUNCTION outbox_persons_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outbox (topic, subject_id)
    SELECT 'person.changed', n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE (o.salutation, o.title, o.first_name, o.last_name, o.email, o.phone, o.mobile,
           o.position, o.postal_code, o.city, o.country, o.tags, o.owner_id, o.lifecycle_stage,
           o.archived_at, o.merged_into, o.name_key, o.restricted_at)
          IS DISTINCT FROM
          (n.salutation, n.title, n.first_name, n.last_name, n.email, n.phone, n.mobile,
           n.position, n.postal_code, n.city, n.country, n.tags, n.owner_id, n.lifecycle_stage,
           n.archived_at, n.merged_into, n.name_key, n.restricted_at);
    RETURN NULL;
END $$;
