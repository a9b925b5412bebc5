ALTER TABLE role_scopes DROP CONSTRAINT role_scopes_node_id_fkey;
--bun:split
ALTER TABLE role_scopes ADD CONSTRAINT role_scopes_node_id_fkey FOREIGN KEY (node_id) REFERENCES nodes (id);
