-- §25 TDDDG: an open pixel or a rewritten link stores and reads information on the
-- recipient's device, which needs their consent. Tracking is a tenant setting (off by
-- default) and, when on, is applied only to recipients with a tracking consent on record:
-- its own purpose, collectable through the double opt-in form like any other.
INSERT INTO consent_purposes (key, label, description, existing_customer_ok) VALUES
    ('tracking', 'Öffnungs- und Klickmessung',
     'Measuring whether marketing emails are opened and their links clicked (§25 TDDDG)', false)
ON CONFLICT (key) DO NOTHING;

-- Whether a send was measurable (sent with pixel and tracked links), so reports say how many
-- recipients their open and click rates are rates of.
ALTER TABLE campaign_sends ADD COLUMN tracked boolean NOT NULL DEFAULT false;
-- Sends before this migration were all tracked.
UPDATE campaign_sends SET tracked = true WHERE channel = 'email' AND status = 'sent';
