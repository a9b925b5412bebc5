-- The SCIM core: tenants, their tokens, users with their multi-valued
-- attributes as child rows, groups and memberships as rows.
CREATE TABLE tenants (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL
);
--bun:split
CREATE TABLE tokens (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    label      TEXT NOT NULL DEFAULT '',
    hash       BYTEA NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ
);
--bun:split
CREATE INDEX tokens_tenant_idx ON tokens (tenant_id);
--bun:split
CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value BYTEA NOT NULL
);
--bun:split
CREATE TABLE users (
    id                    TEXT PRIMARY KEY,
    tenant_id             TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    external_id           TEXT,
    user_name             TEXT NOT NULL,
    user_name_ci          TEXT NOT NULL,
    name_formatted        TEXT,
    name_family_name      TEXT,
    name_given_name       TEXT,
    name_middle_name      TEXT,
    name_honorific_prefix TEXT,
    name_honorific_suffix TEXT,
    display_name          TEXT,
    nick_name             TEXT,
    profile_url           TEXT,
    title                 TEXT,
    user_type             TEXT,
    preferred_language    TEXT,
    locale                TEXT,
    timezone              TEXT,
    active                BOOLEAN,
    password_hash         TEXT,
    ent_employee_number   TEXT,
    ent_cost_center       TEXT,
    ent_organization      TEXT,
    ent_division          TEXT,
    ent_department        TEXT,
    ent_manager_id        TEXT,
    created_at            TIMESTAMPTZ NOT NULL,
    last_modified         TIMESTAMPTZ NOT NULL,
    version               BIGINT NOT NULL DEFAULT 1
);
--bun:split
CREATE UNIQUE INDEX users_user_name_uq ON users (tenant_id, user_name_ci);
--bun:split
CREATE UNIQUE INDEX users_external_id_uq ON users (tenant_id, external_id) WHERE external_id IS NOT NULL;
--bun:split
CREATE INDEX users_created_idx ON users (tenant_id, created_at, id);
--bun:split
CREATE INDEX users_manager_idx ON users (ent_manager_id) WHERE ent_manager_id IS NOT NULL;
--bun:split
CREATE TABLE user_values (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    attr       TEXT NOT NULL,
    ord        INTEGER NOT NULL,
    value      TEXT,
    display    TEXT,
    type       TEXT,
    is_primary BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (user_id, attr, ord)
);
--bun:split
CREATE INDEX user_values_value_idx ON user_values (attr, lower(value));
--bun:split
CREATE TABLE user_addresses (
    user_id        TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    ord            INTEGER NOT NULL,
    formatted      TEXT,
    street_address TEXT,
    locality       TEXT,
    region         TEXT,
    postal_code    TEXT,
    country        TEXT,
    type           TEXT,
    is_primary     BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (user_id, ord)
);
--bun:split
CREATE TABLE groups (
    id              TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    external_id     TEXT,
    display_name    TEXT NOT NULL,
    display_name_ci TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    last_modified   TIMESTAMPTZ NOT NULL,
    version         BIGINT NOT NULL DEFAULT 1
);
--bun:split
CREATE UNIQUE INDEX groups_display_name_uq ON groups (tenant_id, display_name_ci);
--bun:split
CREATE UNIQUE INDEX groups_external_id_uq ON groups (tenant_id, external_id) WHERE external_id IS NOT NULL;
--bun:split
CREATE INDEX groups_created_idx ON groups (tenant_id, created_at, id);
--bun:split
-- A member is a user or a group: one of the two columns is set, and each has
-- a foreign key so that deleting the member deletes the membership.
CREATE TABLE group_members (
    group_id        TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    member_user_id  TEXT REFERENCES users (id) ON DELETE CASCADE,
    member_group_id TEXT REFERENCES groups (id) ON DELETE CASCADE,
    CHECK ((member_user_id IS NULL) <> (member_group_id IS NULL))
);
--bun:split
CREATE UNIQUE INDEX group_members_user_uq ON group_members (group_id, member_user_id) WHERE member_user_id IS NOT NULL;
--bun:split
CREATE UNIQUE INDEX group_members_group_uq ON group_members (group_id, member_group_id) WHERE member_group_id IS NOT NULL;
--bun:split
CREATE INDEX group_members_member_user_idx ON group_members (member_user_id) WHERE member_user_id IS NOT NULL;
--bun:split
CREATE INDEX group_members_member_group_idx ON group_members (member_group_id) WHERE member_group_id IS NOT NULL;
