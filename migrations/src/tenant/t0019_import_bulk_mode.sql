-- Bulk mode of a large import (kartei_contacts::import::bulk): the secondary indexes of
-- `persons` it dropped to build them once after the load (their definitions, as
-- `pg_get_indexdef` printed them). NULL when the import runs or ran without it.
ALTER TABLE imports ADD COLUMN deferred_indexes text[];
