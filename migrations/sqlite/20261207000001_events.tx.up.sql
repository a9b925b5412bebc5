-- The change feed: events written in the transaction of the change, with
-- no number; a sequencer step numbers the committed ones of a tenant
-- (under its event_seqs row, in insertion order) before anything reads
-- them, so numbers are gap-free and a consumer paging after a number never
-- misses one numbered later with a lower number. Webhook endpoints, their
-- deliveries and attempts, and the API keys services read the feed with.
CREATE TABLE event_seqs (
    tenant_id TEXT PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    last_seq  INTEGER NOT NULL
);
--bun:split
CREATE TABLE events (
    ord           INTEGER PRIMARY KEY,
    tenant_id     TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    seq           INTEGER,
    id            TEXT NOT NULL,
    type          TEXT NOT NULL,
    at            INTEGER NOT NULL,
    actor_kind    TEXT NOT NULL,
    actor_id      TEXT NOT NULL DEFAULT '',
    actor_name    TEXT NOT NULL DEFAULT '',
    resource_type TEXT NOT NULL,
    resource_id   TEXT NOT NULL DEFAULT '',
    data          TEXT NOT NULL DEFAULT '{}'
);
--bun:split
CREATE UNIQUE INDEX events_seq_uq ON events (tenant_id, seq) WHERE seq IS NOT NULL;
--bun:split
CREATE INDEX events_unnumbered_idx ON events (tenant_id, ord) WHERE seq IS NULL;
--bun:split
CREATE INDEX events_at_idx ON events (at);
--bun:split
CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    label        TEXT NOT NULL DEFAULT '',
    scopes       TEXT NOT NULL,
    hash         BLOB NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    revoked_at   INTEGER
);
--bun:split
CREATE INDEX api_keys_tenant_idx ON api_keys (tenant_id, created_at);
--bun:split
CREATE TABLE webhooks (
    id            TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    url           TEXT NOT NULL,
    event_types   TEXT NOT NULL DEFAULT '',
    secret        TEXT NOT NULL,
    prev_secret   TEXT NOT NULL DEFAULT '',
    prev_until    INTEGER,
    enabled       INTEGER NOT NULL DEFAULT 1,
    cursor_seq    INTEGER NOT NULL,
    failing_since INTEGER,
    disabled_at   INTEGER,
    lease_until   INTEGER NOT NULL,
    created_at    INTEGER NOT NULL
);
--bun:split
CREATE INDEX webhooks_tenant_idx ON webhooks (tenant_id, created_at);
--bun:split
CREATE INDEX webhooks_lease_idx ON webhooks (lease_until) WHERE enabled = 1;
--bun:split
CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY,
    webhook_id      TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    tenant_id       TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    seq             INTEGER NOT NULL,
    resource_id     TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_status     INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    delivered_at    INTEGER,
    UNIQUE (webhook_id, seq)
);
--bun:split
CREATE INDEX webhook_deliveries_pending_idx ON webhook_deliveries (webhook_id, seq) WHERE state = 'pending';
--bun:split
CREATE INDEX webhook_deliveries_resource_idx ON webhook_deliveries (webhook_id, resource_id, seq) WHERE state = 'pending';
--bun:split
CREATE INDEX webhook_deliveries_created_idx ON webhook_deliveries (created_at);
--bun:split
CREATE TABLE webhook_attempts (
    id          TEXT PRIMARY KEY,
    delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    at          INTEGER NOT NULL,
    status      INTEGER NOT NULL DEFAULT 0,
    latency_ms  INTEGER NOT NULL DEFAULT 0,
    error       TEXT NOT NULL DEFAULT '',
    response    TEXT NOT NULL DEFAULT ''
);
--bun:split
CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, at);
