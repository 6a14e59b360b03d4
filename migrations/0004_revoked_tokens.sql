-- Bearer tokens revoked before they expire (`dutyledger token revoke`). Checked on every
-- authenticated request by the token's `jti`.
CREATE TABLE revoked_tokens
(
    jti        text PRIMARY KEY,
    revoked_at timestamptz NOT NULL DEFAULT now(),
    revoked_by text        NOT NULL,
    reason     text
);
