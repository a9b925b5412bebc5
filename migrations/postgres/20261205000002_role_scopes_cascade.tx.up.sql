-- A role's scope rows go with their node. DeleteNode refuses a node in a
-- role's scope, so this matters when a tenant is deleted: its nodes go by
-- the cascade from tenants, its scope rows only one level later (tenants ->
-- roles -> role_scopes), after PostgreSQL has checked a NO ACTION key on
-- the nodes, which then failed.
ALTER TABLE role_scopes DROP CONSTRAINT role_scopes_node_id_fkey;
--bun:split
ALTER TABLE role_scopes ADD CONSTRAINT role_scopes_node_id_fkey FOREIGN KEY (node_id) REFERENCES nodes (id) ON DELETE CASCADE;
