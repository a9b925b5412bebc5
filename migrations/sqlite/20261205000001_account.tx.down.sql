DROP TABLE mails;
--bun:split
DROP TABLE audit;
--bun:split
DROP TABLE sessions;
--bun:split
DROP TABLE login_links;
--bun:split
DROP TABLE invitations;
--bun:split
DROP TABLE voice;
--bun:split
DROP TABLE numbers;
--bun:split
DROP TABLE locations;
--bun:split
DROP TABLE team_members;
--bun:split
DROP TABLE teams;
--bun:split
DROP TABLE agent_ids;
--bun:split
DROP TABLE grants;
--bun:split
DROP TABLE role_scopes;
--bun:split
DROP TABLE roles;
--bun:split
DROP TABLE nodes;
--bun:split
DROP INDEX users_oidc_subject_uq;
--bun:split
DROP INDEX users_state_idx;
--bun:split
ALTER TABLE users DROP COLUMN oidc_subject;
--bun:split
ALTER TABLE users DROP COLUMN last_login_at;
--bun:split
ALTER TABLE users DROP COLUMN source;
--bun:split
ALTER TABLE users DROP COLUMN state;
--bun:split
ALTER TABLE tokens DROP COLUMN last_used_at;
--bun:split
ALTER TABLE tokens DROP COLUMN created_by;
--bun:split
ALTER TABLE tokens DROP COLUMN authority;
--bun:split
ALTER TABLE tenants DROP COLUMN settings;
