-- Portal sign-ins under way at an OpenID provider, keyed by the hash of
-- their state: taken (deleted) once by the callback, on whichever instance
-- it lands, so a replayed state finds nothing. data holds the PKCE
-- verifier, the nonce and where to go afterwards; rows live ten minutes.
CREATE TABLE oidc_logins (
    state_hash BYTEA PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    data       TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
--bun:split
CREATE INDEX oidc_logins_expires_idx ON oidc_logins (expires_at);
