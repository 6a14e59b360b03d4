-- The boundary list (职责边界清单) read model: every version of every boundary matter, with the
-- valid-time range in which it holds and the transaction-time range in which the log said so
-- (as for the duty list). A version is the whole matter: its parties, the ruling in force per
-- stage, its disputes. A retired matter has no version after its retirement.

CREATE TABLE boundary_versions
(
    matter_id     text      NOT NULL,
    data          jsonb     NOT NULL,
    -- the parties' departments, for "the boundary list of a department"
    departments   text[]    NOT NULL,
    ruled         boolean   NOT NULL,
    open_disputes integer   NOT NULL,
    valid         tstzrange NOT NULL CHECK (NOT isempty(valid)),
    known         tstzrange NOT NULL CHECK (NOT isempty(known))
);

CREATE INDEX boundary_versions_as_of ON boundary_versions USING gist (matter_id, valid, known);
CREATE INDEX boundary_versions_time ON boundary_versions USING gist (valid, known);
CREATE INDEX boundary_versions_departments ON boundary_versions USING gin (departments);
CREATE INDEX boundary_versions_current ON boundary_versions (matter_id) WHERE upper_inf(known);
