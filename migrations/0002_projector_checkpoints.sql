-- Where each projection stands in the global order. Updated in the same transaction as the
-- read model it describes, so every event takes effect exactly once.
CREATE TABLE projector_checkpoints
(
    projection          text        PRIMARY KEY,
    last_transaction_id xid8        NOT NULL DEFAULT '0',
    last_position       bigint      NOT NULL DEFAULT 0,
    events_applied      bigint      NOT NULL DEFAULT 0,
    updated_at          timestamptz NOT NULL DEFAULT now()
);
