-- Core hardening: each IdP connection's client profile, a counter that
-- running servers poll to drop cached credentials when a token is revoked or
-- a tenant deleted, and the value index limited to the attributes that fit
-- a btree entry (certificates and photo URLs may be long; nobody looks
-- users up by them).
ALTER TABLE tokens ADD COLUMN idp TEXT NOT NULL DEFAULT 'auto';
--bun:split
CREATE TABLE auth_state (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL
);
--bun:split
INSERT INTO auth_state (id, generation) VALUES (1, 1);
--bun:split
DROP INDEX user_values_value_idx;
--bun:split
CREATE INDEX user_values_value_idx ON user_values (attr, scimd_lower(value)) WHERE attr NOT IN ('photos', 'x509Certificates');
