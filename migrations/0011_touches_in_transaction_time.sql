-- The audit trail follows valid time (issue 13; ADR 0005, rule 6): which events touched an
-- entity is decided from the state in force at each event's effective time, as known at the
-- query's knownAt. A backdated merge or transfer recorded later re-attributes the later events it
-- affects, from the time it was recorded on: each touch now has a transaction-time range
-- `known`, like the versions. The projector rebuilds the duty list from the log (the read model
-- is emptied and its checkpoint reset; mutations wait for it as for any projection).

TRUNCATE duty_list_versions, duty_list_touches;
DELETE FROM projector_checkpoints WHERE projection = 'duty_list';

ALTER TABLE duty_list_touches DROP CONSTRAINT duty_list_touches_pkey;
ALTER TABLE duty_list_touches ADD COLUMN known tstzrange NOT NULL CHECK (NOT isempty(known));

-- The touches currently known (what the projector rewrites), one per entity and event.
CREATE UNIQUE INDEX duty_list_touches_current
    ON duty_list_touches (department_id, kind, entity_id, sequence) WHERE upper_inf(known);
CREATE INDEX duty_list_touches_by_entity
    ON duty_list_touches (department_id, kind, entity_id, sequence);
