-- A person a public subscribe form created is kept archived (out of segments, campaigns,
-- search and lists) until the address is confirmed: anyone can post a form with any address.
ALTER TABLE persons ADD COLUMN unconfirmed_since timestamptz;
CREATE INDEX persons_unconfirmed_idx ON persons (unconfirmed_since) WHERE unconfirmed_since IS NOT NULL;
