-- A job taken over from a worker that died is no failed attempt: `attempts` counts failures
-- (retried with backoff up to a limit), `takeovers` counts dead workers (a job that kills
-- every worker that runs it is given up after many more).
ALTER TABLE platform.jobs ADD COLUMN takeovers int NOT NULL DEFAULT 0;
