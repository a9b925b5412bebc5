DROP TABLE webhook_attempts;
--bun:split
DROP TABLE webhook_deliveries;
--bun:split
DROP TABLE webhooks;
--bun:split
DROP TABLE api_keys;
--bun:split
DROP TABLE events;
--bun:split
DROP TABLE event_seqs;
