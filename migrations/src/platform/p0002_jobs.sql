-- Background jobs of every tenant in one queue, so one worker pool serves all tenants.
-- Workers claim with FOR UPDATE SKIP LOCKED and keep `heartbeat_at` fresh; a job whose
-- heartbeat is stale (its worker died) is claimed again and resumes from its own checkpoint.

CREATE TABLE platform.jobs (
    id            uuid PRIMARY KEY,
    tenant_id     uuid NOT NULL REFERENCES platform.tenants (id) ON DELETE CASCADE,
    kind          text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_.]{0,63}$'),
    -- The tenant-schema row the job works on (an import, say).
    subject_id    uuid NOT NULL,
    status        text NOT NULL DEFAULT 'queued'
                  CHECK (status IN ('queued', 'running', 'done', 'failed')),
    attempts      int NOT NULL DEFAULT 0,
    run_after     timestamptz NOT NULL DEFAULT now(),
    locked_by     text,
    heartbeat_at  timestamptz,
    last_error    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz
);
CREATE INDEX jobs_ready_idx ON platform.jobs (run_after) WHERE status IN ('queued', 'running');
CREATE INDEX jobs_tenant_idx ON platform.jobs (tenant_id);
