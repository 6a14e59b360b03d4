-- Workflow charts (工作流程图, issue 14): every published version of every task's chart, with
-- its place in valid time (effective_at) and transaction time (recorded_at). The version in force
-- at (validAt, knownAt) is the latest publication, in (effective_at, sequence) order, with
-- effective_at <= validAt and recorded_at <= knownAt. Drafts stay in the log (chart history).

CREATE TABLE workflow_publications
(
    department_id    text        NOT NULL,
    task_id          text        NOT NULL,
    -- the event's sequence in the chart's stream
    sequence         bigint      NOT NULL,
    version          integer     NOT NULL,
    supersedes       integer,
    effective_at     timestamptz NOT NULL,
    recorded_at      timestamptz NOT NULL,
    chart            jsonb       NOT NULL,
    -- the chart's figures, for re-engineering statistics
    steps            integer     NOT NULL,
    sub_steps        integer     NOT NULL,
    procedures       integer     NOT NULL,
    materials        integer     NOT NULL,
    time_limit_days  integer     NOT NULL,
    section_sign_off boolean     NOT NULL,
    PRIMARY KEY (department_id, task_id, sequence)
);

CREATE INDEX workflow_publications_in_force
    ON workflow_publications (department_id, task_id, effective_at DESC, sequence DESC);
