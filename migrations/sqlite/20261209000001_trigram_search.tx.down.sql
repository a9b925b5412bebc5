-- PostgreSQL only (pg_trgm trigram indexes for substring search); SQLite has no
-- trigram index, and this no-op keeps both dialects at the same migration.
SELECT 1;
