-- The duty-task list becomes bitemporal: every version of every entity of a department's
-- structure, with the valid-time range in which it holds in the world and the
-- transaction-time range in which the log said so. A query "as in force at E, as known at K"
-- reads the rows whose `valid` contains E and whose `known` contains K (GiST index).
-- The current-state tables of 0003 are replaced; the projector rebuilds from the log.

CREATE EXTENSION IF NOT EXISTS btree_gist;

DROP TABLE duty_list_departments, duty_list_main_duties, duty_list_units, duty_list_unit_duties,
    duty_list_tasks, duty_list_posts, duty_list_assignments;

DELETE FROM projector_checkpoints WHERE projection = 'duty_list';

CREATE TABLE duty_list_versions
(
    department_id text      NOT NULL,
    -- department | main_duty | unit | unit_duty | task | post | assignment
    kind          text      NOT NULL,
    -- the entity's id; for an assignment 'task_id/post_id'; for the department its own id
    entity_id     text      NOT NULL,
    data          jsonb     NOT NULL,
    valid         tstzrange NOT NULL CHECK (NOT isempty(valid)),
    known         tstzrange NOT NULL CHECK (NOT isempty(known)),
    -- the stream sequence of the event that created the entity: a stable display order
    ordinal       bigint    NOT NULL
);

CREATE INDEX duty_list_versions_as_of ON duty_list_versions USING gist (department_id, valid, known);
CREATE INDEX duty_list_versions_departments ON duty_list_versions USING gist (valid, known)
    WHERE kind = 'department';
-- The rows the projector rewrites: what is currently known about an entity.
CREATE INDEX duty_list_versions_current ON duty_list_versions (department_id, kind, entity_id)
    WHERE upper_inf(known);

-- Which events touched which entity (the entity itself changed, or one of its children: a
-- unit's duties and posts, a task's assignments), for audit trails and change reports.
CREATE TABLE duty_list_touches
(
    department_id text   NOT NULL,
    kind          text   NOT NULL,
    entity_id     text   NOT NULL,
    sequence      bigint NOT NULL,
    PRIMARY KEY (department_id, kind, entity_id, sequence)
);

CREATE INDEX duty_list_touches_by_event ON duty_list_touches (department_id, sequence);
