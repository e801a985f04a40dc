-- Trigram matching for the in-database search backend (pg_trgm is a trusted extension: a
-- database owner may create it). Tenant schemas reach it through `search_path` (`t_…, public`).
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
-- Edit distance, to confirm a trigram candidate is within the typo allowance (trusted, too).
CREATE EXTENSION IF NOT EXISTS fuzzystrmatch WITH SCHEMA public;

-- At most one waiting outbox drain per tenant: every write transaction asks for one
-- (ON CONFLICT DO NOTHING), so a burst of writes wakes the indexer once.
CREATE UNIQUE INDEX jobs_search_drain_queued_idx ON platform.jobs (tenant_id)
    WHERE kind = 'search.drain' AND status = 'queued';
