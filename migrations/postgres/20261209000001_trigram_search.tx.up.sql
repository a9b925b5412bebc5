-- Trigram (pg_trgm) GIN indexes for substring search: SCIM "co", "sw" and
-- "ew" filters and the admin API's q=, which compile to
-- "expr LIKE '%x%' ESCAPE '\'" on exactly these expressions
-- (store/sqlstore/filter_sql.go). Without them every such search reads the
-- whole tenant.
--
-- The extension goes into schema public, never the migrating schema: tests
-- (and some deployments) run one schema per tenant of a database, and an
-- extension living in a schema that is later dropped would take every other
-- schema's indexes with it. Where the extension cannot be installed (no
-- privilege, contrib not present) the migration only raises a NOTICE and
-- scimd runs without the indexes (substring search then scans, as before).
DO $$
DECLARE
    ext_schema text;
BEGIN
    SELECT n.nspname INTO ext_schema
    FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
    WHERE e.extname = 'pg_trgm';
    IF ext_schema IS NULL THEN
        BEGIN
            CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
        EXCEPTION
            WHEN insufficient_privilege OR undefined_file OR feature_not_supported
                OR invalid_schema_name OR undefined_object THEN
                RAISE NOTICE 'scimd: pg_trgm is not available (%): substring search will scan', SQLERRM;
            WHEN unique_violation OR duplicate_object THEN
                NULL; -- a concurrent migration installed it
        END;
        SELECT n.nspname INTO ext_schema
        FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
        WHERE e.extname = 'pg_trgm';
    END IF;
    IF ext_schema IS NULL THEN
        RETURN;
    END IF;
    EXECUTE format('CREATE INDEX users_user_name_trgm ON users USING gin (user_name_ci %I.gin_trgm_ops)', ext_schema);
    EXECUTE format('CREATE INDEX users_display_name_trgm ON users USING gin (lower(display_name) %I.gin_trgm_ops)', ext_schema);
    EXECUTE format('CREATE INDEX users_family_name_trgm ON users USING gin (lower(name_family_name) %I.gin_trgm_ops)', ext_schema);
    EXECUTE format('CREATE INDEX users_given_name_trgm ON users USING gin (lower(name_given_name) %I.gin_trgm_ops)', ext_schema);
    EXECUTE format('CREATE INDEX user_values_email_trgm ON user_values USING gin (lower(value) %I.gin_trgm_ops) WHERE attr = ''emails''', ext_schema);
END
$$;
