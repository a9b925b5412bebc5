DROP TABLE import_rows;
--bun:split
DROP TABLE import_jobs;
