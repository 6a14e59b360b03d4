-- Every event knows the departments it concerns (DESIGN.md, the event log, rule 8; ADR 0010).
--
-- The events table is append-only, so the departments live beside it: one row per event and
-- department it concerns, written in the same transaction as the event (by the event store and
-- the record ingest, from the domain's `Concerns`), and append-only too. Each row carries its
-- event's place in the global order, (transaction_id, position), so that the key
-- (department_id, transaction_id, position) returns one department's events in global order and
-- a feed filtered by department reads only them:
--   department's stream        the department (aggregate_id)
--   performance record         the record's department (the stream id is 'department/record id')
--   boundary matter            every party's department, for every event of the matter
-- Events of other streams concern no department (they have no rows).

CREATE TABLE event_departments
(
    department_id  text   NOT NULL,
    transaction_id xid8   NOT NULL,
    position       bigint NOT NULL
);

COMMENT ON TABLE event_departments IS 'The departments each event concerns (written with the event; append-only). Key: (department_id, transaction_id, position), the department''s events in global order.';

-- What the log says each event concerns, derived from the stored events themselves (the same
-- answer as the domain's `Concerns` for the streams that exist today). Used to fill the table
-- for the events stored before this migration; running
--   INSERT INTO event_departments SELECT * FROM event_departments_derived() ON CONFLICT DO NOTHING
-- again fills in events appended meanwhile by a process of the previous version (a rolling
-- upgrade), and `tests/api/feed.rs` checks it agrees with what the application writes.
CREATE FUNCTION event_departments_derived()
    RETURNS TABLE (department_id text, transaction_id xid8, "position" bigint)
    LANGUAGE sql
    STABLE AS
$$
SELECT e.aggregate_id, e.transaction_id, e.position
FROM events e
WHERE e.aggregate_type = 'department'
UNION ALL
SELECT split_part(e.aggregate_id, '/', 1), e.transaction_id, e.position
FROM events e
WHERE e.aggregate_type = 'performance_record'
UNION ALL
SELECT DISTINCT party.department_id, e.transaction_id, e.position
FROM events e
JOIN events r ON r.aggregate_type = 'boundary_matter'
             AND r.aggregate_id = e.aggregate_id
             AND r.event_type = 'MatterRegistered'
CROSS JOIN LATERAL jsonb_to_recordset(r.payload -> 'MatterRegistered' -> 'parties')
    AS party(department_id text)
WHERE e.aggregate_type = 'boundary_matter'
  AND party.department_id IS NOT NULL
$$;

-- Fill, then index (one sort instead of an index insert per row on a large log).
INSERT INTO event_departments (department_id, transaction_id, position)
SELECT department_id, transaction_id, position
FROM event_departments_derived();

ALTER TABLE event_departments
    ADD CONSTRAINT event_departments_pkey PRIMARY KEY (department_id, transaction_id, position);

-- Append-only, like the events it describes.
CREATE FUNCTION event_departments_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    RAISE EXCEPTION 'the event log is append-only: % on event_departments is not allowed', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END
$$;

CREATE TRIGGER event_departments_append_only
    BEFORE UPDATE OR DELETE ON event_departments
    FOR EACH ROW EXECUTE FUNCTION event_departments_refuse_change();

CREATE TRIGGER event_departments_no_truncate
    BEFORE TRUNCATE ON event_departments
    FOR EACH STATEMENT EXECUTE FUNCTION event_departments_refuse_change();

ANALYZE event_departments;
