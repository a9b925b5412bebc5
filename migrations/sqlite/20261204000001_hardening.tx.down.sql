DROP INDEX user_values_value_idx;
--bun:split
CREATE INDEX user_values_value_idx ON user_values (attr, lower(value));
--bun:split
DROP TABLE auth_state;
--bun:split
ALTER TABLE tokens DROP COLUMN idp;
