-- PostgreSQL only (scimd_check, for writes sent as one statement); SQLite runs
-- a transaction's statements in process, and this no-op keeps both dialects at
-- the same migration.
SELECT 1;
