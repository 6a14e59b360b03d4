-- Performance records (履职数据): one stream per record in the event log
-- (aggregate_type 'performance_record'), rolled up by the projector.

-- Projections read only the streams they use: the structure projections skip the millions of
-- performance records, and the performance projection skips everything else.
CREATE INDEX events_by_type ON events (aggregate_type, transaction_id, position);

-- "As a report made at K saw them": the records changed between the start of K's day and K
-- are read from the log itself (see projections/src/performance/query.rs).
CREATE INDEX events_performance_recorded ON events (recorded_at)
    WHERE aggregate_type = 'performance_record';

-- The rollups. One row per dimension value, period and recording day ("known"): a row holds
-- what the records changed on that recording day moved (corrections and voids subtract).
--   dimension   department | unit | post | task | region
--   department_id, level, sector: the department's, on the day the work was done
--   unit_id     the unit (for unit, post and task rows; '' otherwise)
--   key         the department, unit, post, task or region code
--   grain       'd' (day) or 'm' (month): period is the first day of the day or month, in
--               Beijing time (UTC+08:00); quarters and years are summed from months. Days are
--               kept for the department and unit dimensions only (a day row per post, task or
--               region would be a row per record).
--   known       the day (Beijing time) the changes were recorded
--   records     how many records; quantity: their quantities; timed: how many have an on-time
--               verdict; on_time: how many of those were on time
CREATE TABLE performance_rollups
(
    dimension     text   NOT NULL,
    grain         "char" NOT NULL CHECK (grain IN ('d', 'm')),
    department_id text   NOT NULL,
    unit_id       text   NOT NULL,
    key           text   NOT NULL,
    period        date   NOT NULL,
    level         text   NOT NULL,
    sector        text   NOT NULL,
    known         date   NOT NULL,
    records       bigint NOT NULL,
    quantity      bigint NOT NULL,
    timed         bigint NOT NULL,
    on_time       bigint NOT NULL,
    PRIMARY KEY (dimension, grain, department_id, unit_id, key, period, level, sector, known)
) WITH (fillfactor = 70); -- room on each page for the upserts' new row versions (HOT updates)

-- Views across departments (rankings, a region's figures) read by period.
CREATE INDEX performance_rollups_by_period ON performance_rollups (dimension, grain, period);

COMMENT ON TABLE performance_rollups IS
    'Performance figures per dimension value, period (Beijing time) and recording day; built by the projector from the performance_record streams.';
