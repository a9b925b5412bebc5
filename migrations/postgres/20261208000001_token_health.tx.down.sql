ALTER TABLE tokens DROP COLUMN error_count;
--bun:split
ALTER TABLE tokens DROP COLUMN request_count;
--bun:split
ALTER TABLE tokens DROP COLUMN last_error_status;
--bun:split
ALTER TABLE tokens DROP COLUMN last_error_at;
