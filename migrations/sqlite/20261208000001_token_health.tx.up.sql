-- The health of an IdP connection, for the portal: its last failed request
-- (status and time) and how many requests and failures it has made.
-- last_used_at (20261205000001) is its last request.
ALTER TABLE tokens ADD COLUMN last_error_at INTEGER;
--bun:split
ALTER TABLE tokens ADD COLUMN last_error_status INTEGER NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE tokens ADD COLUMN request_count BIGINT NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE tokens ADD COLUMN error_count BIGINT NOT NULL DEFAULT 0;
