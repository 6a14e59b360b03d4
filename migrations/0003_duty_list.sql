-- The duty-task list (职责任务清单) as it stands now: one row per active entity. `ordinal` is
-- the global position of the event that created the row, for a stable display order.

CREATE TABLE duty_list_departments
(
    department_id  text PRIMARY KEY,
    name           text        NOT NULL,
    division_code  text        NOT NULL,
    level          text        NOT NULL,
    sector         text        NOT NULL,
    kind           text        NOT NULL,
    staffing       integer,
    established_at timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    ordinal        bigint      NOT NULL
);

CREATE TABLE duty_list_main_duties
(
    department_id text   NOT NULL,
    duty_id       text   NOT NULL,
    text          text   NOT NULL,
    ordinal       bigint NOT NULL,
    PRIMARY KEY (department_id, duty_id)
);

CREATE TABLE duty_list_units
(
    department_id text   NOT NULL,
    unit_id       text   NOT NULL,
    name          text   NOT NULL,
    staffing      integer,
    ordinal       bigint NOT NULL,
    PRIMARY KEY (department_id, unit_id)
);

CREATE TABLE duty_list_unit_duties
(
    department_id text   NOT NULL,
    unit_duty_id  text   NOT NULL,
    main_duty_id  text   NOT NULL,
    unit_id       text   NOT NULL,
    text          text   NOT NULL,
    ordinal       bigint NOT NULL,
    PRIMARY KEY (department_id, unit_duty_id)
);

CREATE TABLE duty_list_tasks
(
    department_id          text    NOT NULL,
    task_id                text    NOT NULL,
    unit_duty_id           text    NOT NULL,
    unit_id                text    NOT NULL,
    name                   text    NOT NULL,
    scope                  text,
    procedure              text,
    time_limit_days        integer,
    time_limit_kind        text,
    standard               text,
    strict_policy_standard boolean NOT NULL,
    wide_discretion        boolean NOT NULL,
    integrity_risk         boolean NOT NULL,
    ordinal                bigint  NOT NULL,
    PRIMARY KEY (department_id, task_id)
);

CREATE TABLE duty_list_posts
(
    department_id text   NOT NULL,
    post_id       text   NOT NULL,
    unit_id       text   NOT NULL,
    name          text   NOT NULL,
    ordinal       bigint NOT NULL,
    PRIMARY KEY (department_id, post_id)
);

CREATE TABLE duty_list_assignments
(
    department_id text   NOT NULL,
    task_id       text   NOT NULL,
    post_id       text   NOT NULL,
    ordinal       bigint NOT NULL,
    PRIMARY KEY (department_id, task_id, post_id)
);
