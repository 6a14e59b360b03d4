-- Workflow cases (办件, issue 17): one stream per case in the event log (aggregate_type
-- 'workflow_case', id 'department/case id'), written in batches (ADR 0016).

-- The write side's head of each case stream: its last sequence and its state folded from its
-- events (domain `CaseState`), written in the same transaction as the case's events. A batch
-- locks the heads of its cases (in stream order) before deciding, so concurrent batches that
-- touch one case take turns and a case's events are decided against everything before them.
-- It is a cache of the fold (like postgres-es snapshots): the log stays the record.
CREATE TABLE case_heads
(
    stream   text   PRIMARY KEY,
    -- 0 while a batch holds a placeholder for a case it is opening
    sequence bigint NOT NULL,
    state    jsonb
);

-- Read model (projection 'cases'): the case-level facts, one row per case and interval of
-- transaction time [known_from, known_to) in which they were the latest known (a new row for
-- each event that changes them: opened, suspended, resumed, extended, closed). "As known at K"
-- is the row with known_from <= K < known_to (known_to NULL: still current).
CREATE TABLE case_versions
(
    stream          text        NOT NULL,
    sequence        bigint      NOT NULL,
    known_from      timestamptz NOT NULL,
    known_to        timestamptz,
    department_id   text        NOT NULL,
    case_id         text        NOT NULL,
    task_id         text        NOT NULL,
    version         integer     NOT NULL,
    region          text        NOT NULL,
    level           text        NOT NULL,
    sector          text        NOT NULL,
    applicant       text        NOT NULL,
    received_at     timestamptz NOT NULL,
    -- how its time limit counts ('Working' or 'Calendar' days; NULL: no limit, and no
    -- on-time verdict)
    limit_kind      text,
    -- the first instant after the time limit (NULL: no limit, or the clock is stopped)
    deadline        timestamptz,
    suspended       boolean     NOT NULL,
    extended_days   integer     NOT NULL,
    closed_at       timestamptz,
    outcome         text,
    on_time         boolean,
    days_over       integer,
    seconds         bigint,
    working_seconds bigint,
    PRIMARY KEY (stream, sequence)
);

CREATE INDEX case_versions_current ON case_versions (stream) WHERE known_to IS NULL;
CREATE INDEX case_versions_by_department ON case_versions (department_id, received_at);
CREATE INDEX case_versions_by_task ON case_versions (task_id, received_at);
CREATE INDEX case_versions_by_received ON case_versions (received_at);
CREATE INDEX case_versions_by_closed ON case_versions (closed_at) WHERE closed_at IS NOT NULL;
CREATE INDEX case_versions_open_deadline ON case_versions (deadline, stream)
    WHERE closed_at IS NULL AND deadline IS NOT NULL;

-- Read model: one row per step run completed (CaseStepCompleted), known from its recording.
CREATE TABLE case_step_runs
(
    stream          text        NOT NULL,
    sequence        bigint      NOT NULL,
    known           timestamptz NOT NULL,
    department_id   text        NOT NULL,
    task_id         text        NOT NULL,
    version         integer     NOT NULL,
    step            integer     NOT NULL,
    name            text        NOT NULL,
    post_id         text        NOT NULL,
    unit_id         text        NOT NULL,
    region          text        NOT NULL,
    started_at      timestamptz NOT NULL,
    completed_at    timestamptz NOT NULL,
    seconds         bigint      NOT NULL,
    working_seconds bigint      NOT NULL,
    waited_seconds  bigint      NOT NULL,
    on_time         boolean,
    PRIMARY KEY (stream, sequence)
);

CREATE INDEX case_step_runs_by_chart
    ON case_step_runs (task_id, version, department_id, completed_at);

-- Read model: one row per return for correction (CaseReturned: rework at a step).
CREATE TABLE case_returns
(
    stream        text        NOT NULL,
    sequence      bigint      NOT NULL,
    known         timestamptz NOT NULL,
    department_id text        NOT NULL,
    task_id       text        NOT NULL,
    version       integer     NOT NULL,
    step          integer     NOT NULL,
    at            timestamptz NOT NULL,
    PRIMARY KEY (stream, sequence)
);

CREATE INDEX case_returns_by_chart ON case_returns (task_id, version, department_id, at);
