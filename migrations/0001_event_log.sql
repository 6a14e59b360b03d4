-- The event log: postgres-es's `events` and `snapshots` tables (columns and key unchanged, so
-- its PostgresEventRepository reads them), extended per DESIGN.md:
--   event_id        a unique id for each event
--   position        a global position (identity); with transaction_id it gives the global order
--   transaction_id  the writing transaction's id (xid8); readers only read below the horizon of
--                   transactions that may still commit: pg_snapshot_xmin(pg_current_snapshot())
--   recorded_at     transaction time, set by the database (the writing transaction's start)
--   effective_at    valid time: metadata.effective_at if given, else recorded_at
-- payload and metadata are jsonb (postgres-es uses json; jsonb reads back the same).

CREATE TABLE events
(
    aggregate_type text                         NOT NULL,
    aggregate_id   text                         NOT NULL,
    sequence       bigint CHECK (sequence >= 0) NOT NULL,
    event_type     text                         NOT NULL,
    event_version  text                         NOT NULL,
    payload        jsonb                        NOT NULL,
    metadata       jsonb                        NOT NULL,
    event_id       uuid                         NOT NULL DEFAULT gen_random_uuid(),
    position       bigint GENERATED ALWAYS AS IDENTITY,
    transaction_id xid8                         NOT NULL DEFAULT pg_current_xact_id(),
    recorded_at    timestamptz                  NOT NULL DEFAULT now(),
    effective_at   timestamptz                  NOT NULL,
    PRIMARY KEY (aggregate_type, aggregate_id, sequence),
    CONSTRAINT events_event_id_unique UNIQUE (event_id),
    CONSTRAINT events_position_unique UNIQUE (position),
    -- Nothing in the log is anonymous (DESIGN.md rule 5).
    CONSTRAINT events_metadata_names_actor CHECK (
        jsonb_typeof(metadata) = 'object'
        AND metadata ? 'actor' AND metadata ? 'request_id'
    )
);

COMMENT ON TABLE events IS 'The append-only event log: one stream per aggregate, one global order by (transaction_id, position).';

-- The global order, read by the projector and by subscribers.
CREATE INDEX events_global_order ON events (transaction_id, position);

-- The database, not the client, stamps the times and the transaction.
CREATE FUNCTION events_stamp() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    NEW.recorded_at := now();
    NEW.transaction_id := pg_current_xact_id();
    NEW.effective_at := COALESCE((NEW.metadata ->> 'effective_at')::timestamptz, NEW.recorded_at);
    RETURN NEW;
END
$$;

CREATE TRIGGER events_stamp
    BEFORE INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION events_stamp();

-- Append-only: UPDATE, DELETE and TRUNCATE are refused.
CREATE FUNCTION events_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    RAISE EXCEPTION 'the event log is append-only: % on events is not allowed', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END
$$;

CREATE TRIGGER events_append_only
    BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_refuse_change();

CREATE TRIGGER events_no_truncate
    BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_refuse_change();

-- Wake readers at commit (NOTIFY is delivered when the inserting transaction commits).
CREATE FUNCTION events_notify() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    PERFORM pg_notify('dutyledger_events', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER events_notify
    AFTER INSERT ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_notify();

-- Snapshots, as postgres-es reads them; one row per aggregate (we upsert it in the same
-- transaction as the events it covers).
CREATE TABLE snapshots
(
    aggregate_type   text                                 NOT NULL,
    aggregate_id     text                                 NOT NULL,
    last_sequence    bigint CHECK (last_sequence >= 0)    NOT NULL,
    current_snapshot bigint CHECK (current_snapshot >= 0) NOT NULL,
    payload          jsonb                                NOT NULL,
    taken_at         timestamptz                          NOT NULL DEFAULT now(),
    PRIMARY KEY (aggregate_type, aggregate_id)
);
