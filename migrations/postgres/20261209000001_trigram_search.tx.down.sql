-- The extension stays: other schemas of the database may use it.
DROP INDEX IF EXISTS users_user_name_trgm;
--bun:split
DROP INDEX IF EXISTS users_display_name_trgm;
--bun:split
DROP INDEX IF EXISTS users_family_name_trgm;
--bun:split
DROP INDEX IF EXISTS users_given_name_trgm;
--bun:split
DROP INDEX IF EXISTS user_values_email_trgm;
