-- The CSV import (seed 003): a job per run, its rows with their results.
-- The partial unique index lets a tenant have one job that still runs.
CREATE TABLE import_jobs (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    state       TEXT NOT NULL,
    file_name   TEXT NOT NULL DEFAULT '',
    options     TEXT NOT NULL DEFAULT '{}',
    header      TEXT NOT NULL DEFAULT '[]',
    started_by  TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    finished_at INTEGER
);
--bun:split
CREATE UNIQUE INDEX import_jobs_one_active ON import_jobs (tenant_id) WHERE state IN ('queued', 'running', 'stopping');
--bun:split
CREATE INDEX import_jobs_tenant_idx ON import_jobs (tenant_id, created_at);
--bun:split
CREATE TABLE import_rows (
    job_id  TEXT NOT NULL REFERENCES import_jobs (id) ON DELETE CASCADE,
    row_no  INTEGER NOT NULL,
    vals    TEXT NOT NULL,
    state   TEXT NOT NULL DEFAULT 'pending',
    user_id TEXT NOT NULL DEFAULT '',
    reason  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (job_id, row_no)
);
