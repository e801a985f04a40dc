-- Bulk mode of a large import (kartei_contacts::import::bulk): the secondary indexes of
-- `persons` it dropped to build them once after the load (their definitions, as
-- `pg_get_indexdef` printed them), and the first person id it could have written (UUIDv7, so
-- the persons it created are those with an id from here on, for the duplicate warnings it
-- counts at the end). NULL when the import runs or ran without it.
ALTER TABLE imports ADD COLUMN deferred_indexes text[],
                    ADD COLUMN bulk_first_id uuid;
