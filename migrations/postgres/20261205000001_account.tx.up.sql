-- The account domain (issue 12): lifecycle and provenance of users, the
-- account tree, roles and their grants, agent IDs, teams, voice settings,
-- invitations, sign-in links and sessions, the audit log and the mail
-- outbox. Every table is per tenant and goes with its tenant.
ALTER TABLE tenants ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';
--bun:split
ALTER TABLE tokens ADD COLUMN authority TEXT NOT NULL DEFAULT 'operator';
--bun:split
ALTER TABLE tokens ADD COLUMN created_by TEXT;
--bun:split
ALTER TABLE tokens ADD COLUMN last_used_at TIMESTAMPTZ;
--bun:split
ALTER TABLE users ADD COLUMN state TEXT NOT NULL DEFAULT 'active';
--bun:split
ALTER TABLE users ADD COLUMN source TEXT NOT NULL DEFAULT 'scim';
--bun:split
ALTER TABLE users ADD COLUMN last_login_at TIMESTAMPTZ;
--bun:split
ALTER TABLE users ADD COLUMN oidc_subject TEXT;
--bun:split
UPDATE users SET state = 'inactive' WHERE active = FALSE;
--bun:split
CREATE INDEX users_state_idx ON users (tenant_id, state, created_at, id);
--bun:split
CREATE UNIQUE INDEX users_oidc_subject_uq ON users (tenant_id, oidc_subject) WHERE oidc_subject IS NOT NULL;
--bun:split
-- The account tree. The master node's id is its tenant's id; path is the
-- ids from the master down, "/m/a/b/", so that "at or beneath a node" is a
-- prefix match.
CREATE TABLE nodes (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    parent_id  TEXT REFERENCES nodes (id),
    name       TEXT NOT NULL,
    name_ci    TEXT NOT NULL,
    kind       TEXT NOT NULL DEFAULT 'account',
    path       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
--bun:split
CREATE UNIQUE INDEX nodes_master_uq ON nodes (tenant_id) WHERE parent_id IS NULL;
--bun:split
CREATE UNIQUE INDEX nodes_sibling_uq ON nodes (parent_id, name_ci);
--bun:split
CREATE INDEX nodes_path_idx ON nodes (tenant_id, path);
--bun:split
INSERT INTO nodes (id, tenant_id, parent_id, name, name_ci, kind, path, created_at)
SELECT t.id, t.id, NULL, t.name, lower(t.name), 'master', '/' || t.id || '/', t.created_at FROM tenants t;
--bun:split
-- Custom roles; the built-in ones live in the code.
CREATE TABLE roles (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    name_ci     TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    permissions TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL
);
--bun:split
CREATE UNIQUE INDEX roles_name_uq ON roles (tenant_id, name_ci);
--bun:split
CREATE TABLE role_scopes (
    role_id TEXT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    node_id TEXT NOT NULL REFERENCES nodes (id),
    PRIMARY KEY (role_id, node_id)
);
--bun:split
CREATE INDEX role_scopes_node_idx ON role_scopes (node_id);
--bun:split
-- A grant gives a role at a node to a user or to a group (and so to its
-- members, also through nested groups). source says how it was made:
-- "roles" from the SCIM roles attribute, "direct" from anything else.
CREATE TABLE grants (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    role       TEXT NOT NULL,
    node_id    TEXT NOT NULL REFERENCES nodes (id),
    user_id    TEXT REFERENCES users (id) ON DELETE CASCADE,
    group_id   TEXT REFERENCES groups (id) ON DELETE CASCADE,
    source     TEXT NOT NULL DEFAULT 'direct',
    created_at TIMESTAMPTZ NOT NULL,
    CHECK ((user_id IS NULL) <> (group_id IS NULL))
);
--bun:split
CREATE UNIQUE INDEX grants_user_uq ON grants (user_id, role, node_id, source) WHERE user_id IS NOT NULL;
--bun:split
CREATE UNIQUE INDEX grants_group_uq ON grants (group_id, role, node_id) WHERE group_id IS NOT NULL;
--bun:split
-- Exactly one Owner per tenant: at most one owner grant, whatever races.
CREATE UNIQUE INDEX grants_owner_uq ON grants (tenant_id) WHERE role = 'owner';
--bun:split
CREATE INDEX grants_node_idx ON grants (node_id);
--bun:split
CREATE INDEX grants_role_idx ON grants (tenant_id, role);
--bun:split
CREATE TABLE agent_ids (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    system    TEXT NOT NULL,
    value     TEXT NOT NULL,
    user_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (tenant_id, system, value)
);
--bun:split
CREATE INDEX agent_ids_user_idx ON agent_ids (user_id);
--bun:split
CREATE TABLE teams (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    name_ci    TEXT NOT NULL,
    group_id   TEXT REFERENCES groups (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL
);
--bun:split
CREATE UNIQUE INDEX teams_name_uq ON teams (tenant_id, name_ci);
--bun:split
CREATE UNIQUE INDEX teams_group_uq ON teams (group_id) WHERE group_id IS NOT NULL;
--bun:split
CREATE TABLE team_members (
    team_id TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    leader  BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (team_id, user_id)
);
--bun:split
CREATE INDEX team_members_user_idx ON team_members (user_id);
--bun:split
CREATE TABLE locations (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    name_ci    TEXT NOT NULL,
    address    TEXT NOT NULL DEFAULT '',
    is_default BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL
);
--bun:split
CREATE UNIQUE INDEX locations_name_uq ON locations (tenant_id, name_ci);
--bun:split
CREATE UNIQUE INDEX locations_default_uq ON locations (tenant_id) WHERE is_default;
--bun:split
-- The tenant's pool of parked numbers (E.164); user_id is set while one is
-- assigned.
CREATE TABLE numbers (
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    number     TEXT NOT NULL,
    toll_free  BOOLEAN NOT NULL DEFAULT FALSE,
    user_id    TEXT REFERENCES users (id) ON DELETE SET NULL,
    is_primary BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, number)
);
--bun:split
CREATE INDEX numbers_user_idx ON numbers (user_id) WHERE user_id IS NOT NULL;
--bun:split
CREATE TABLE voice (
    user_id     TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    extension   TEXT NOT NULL,
    location_id TEXT REFERENCES locations (id)
);
--bun:split
CREATE UNIQUE INDEX voice_extension_uq ON voice (tenant_id, extension);
--bun:split
CREATE TABLE invitations (
    user_id    TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    token_hash BYTEA NOT NULL UNIQUE,
    expires_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    sent_count INTEGER NOT NULL DEFAULT 1
);
--bun:split
CREATE TABLE login_links (
    token_hash BYTEA PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL
);
--bun:split
CREATE TABLE sessions (
    id_hash      BYTEA PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL
);
--bun:split
CREATE INDEX sessions_user_idx ON sessions (user_id);
--bun:split
CREATE TABLE audit (
    id            TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    at            TIMESTAMPTZ NOT NULL,
    actor_kind    TEXT NOT NULL,
    actor_id      TEXT NOT NULL DEFAULT '',
    actor_name    TEXT NOT NULL DEFAULT '',
    action        TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id   TEXT NOT NULL DEFAULT '',
    changes       TEXT NOT NULL DEFAULT '{}',
    request_id    TEXT NOT NULL DEFAULT ''
);
--bun:split
CREATE INDEX audit_tenant_at_idx ON audit (tenant_id, at, id);
--bun:split
CREATE INDEX audit_resource_idx ON audit (tenant_id, resource_id, at);
--bun:split
CREATE INDEX audit_actor_idx ON audit (tenant_id, actor_id, at);
--bun:split
-- The mail outbox: written in the transaction of the change that sends
-- mail, delivered by the sender, retried with backoff while the server is
-- down.
CREATE TABLE mails (
    id              TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    to_addr         TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'queued',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL,
    sent_at         TIMESTAMPTZ
);
--bun:split
CREATE INDEX mails_due_idx ON mails (next_attempt_at) WHERE state = 'queued';
--bun:split
CREATE INDEX mails_tenant_idx ON mails (tenant_id, created_at);
