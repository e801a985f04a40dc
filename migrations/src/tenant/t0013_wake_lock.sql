-- A writer's wake-up of the indexer may find a drain job already waiting and attach to it (one
-- waiting drain per tenant). If that job is claimed and drains before the writer commits, the
-- writer's rows are invisible to it and nothing else is waiting for them. Writers therefore
-- hold a shared lock from their wake-up to their commit; a drain ends only when it can take
-- that lock exclusively (no such writer in flight) and still finds the outbox empty
-- (kartei_search::outbox::drain), else it runs again shortly.
CREATE OR REPLACE FUNCTION outbox_wake_now() RETURNS void
LANGUAGE sql SET search_path FROM CURRENT AS $$
    SELECT pg_advisory_xact_lock_shared(hashtext(current_schema() || ':search.wake'));
    INSERT INTO platform.jobs (id, tenant_id, kind, subject_id)
    VALUES (gen_random_uuid(), substr(current_schema(), 3)::uuid, 'search.drain',
            '00000000-0000-0000-0000-000000000000')
    ON CONFLICT (tenant_id) WHERE kind = 'search.drain' AND status = 'queued' DO NOTHING
$$;
