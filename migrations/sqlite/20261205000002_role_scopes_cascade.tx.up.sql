-- A role's scope rows go with their node, as on PostgreSQL (where tenant
-- deletion needs it). SQLite changes a foreign key by rebuilding the table.
CREATE TABLE role_scopes_new (
    role_id TEXT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    node_id TEXT NOT NULL REFERENCES nodes (id) ON DELETE CASCADE,
    PRIMARY KEY (role_id, node_id)
);
--bun:split
INSERT INTO role_scopes_new (role_id, node_id) SELECT role_id, node_id FROM role_scopes;
--bun:split
DROP TABLE role_scopes;
--bun:split
ALTER TABLE role_scopes_new RENAME TO role_scopes;
--bun:split
CREATE INDEX role_scopes_node_idx ON role_scopes (node_id);
