-- Commands safe to retry (DESIGN.md, the event log, rule 7; ADR 0012): a client command id, unique
-- within a stream, with the outcome of the command it was first used for. Written in the same
-- transaction as the command's events (also when the command changed nothing), so a command id
-- is applied once whatever the retries and concurrent duplicates; the same id with another
-- command (another fingerprint) is refused. Kept for good: one small row per command that
-- carried an id.

CREATE TABLE command_ids
(
    aggregate_type      text        NOT NULL,
    aggregate_id        text        NOT NULL,
    command_id          text        NOT NULL,
    -- what the command was: a stable rendering of the command, its effective time and reason
    fingerprint         text        NOT NULL,
    -- its outcome, returned again to a retry
    events              integer     NOT NULL,
    last_transaction_id xid8,
    last_position       bigint,
    effective_at        timestamptz,
    sequence            bigint      NOT NULL,
    recorded_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (aggregate_type, aggregate_id, command_id)
);
