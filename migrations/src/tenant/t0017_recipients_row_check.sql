-- A campaign's recipients are written by the launch and the daily occasion run, each in one
-- statement that reads `persons` and names a campaign it holds locked (FOR KEY SHARE or
-- stronger), with `kartei.recipients_from_persons` on: nothing is left to check. The
-- statement trigger that checked them kept every inserted row in a transition table (a
-- million rows: a tuplestore spilled to disk) only to look at its distinct campaign. Any
-- other writer is checked row by row, as a foreign key would be.
DROP TRIGGER campaign_recipients_refs_ins ON campaign_recipients;
DROP FUNCTION campaign_recipients_refs();
CREATE FUNCTION campaign_recipients_ref() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM campaigns c WHERE c.id = NEW.campaign_id)
       OR NOT EXISTS (SELECT 1 FROM persons p WHERE p.id = NEW.person_id) THEN
        RAISE EXCEPTION 'a campaign recipient refers to a campaign or person that does not exist'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER campaign_recipients_ref AFTER INSERT ON campaign_recipients FOR EACH ROW
    WHEN (current_setting('kartei.recipients_from_persons', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION campaign_recipients_ref();
