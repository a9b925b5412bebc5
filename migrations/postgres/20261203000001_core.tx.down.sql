DROP TABLE group_members;
--bun:split
DROP TABLE groups;
--bun:split
DROP TABLE user_addresses;
--bun:split
DROP TABLE user_values;
--bun:split
DROP TABLE users;
--bun:split
DROP TABLE settings;
--bun:split
DROP TABLE tokens;
--bun:split
DROP TABLE tenants;
