-- The partial index of 0007 on performance records' recorded_at misled the planner while the
-- statistics were older than a bulk load: with "no performance records" in them, a scan of the
-- whole (supposedly empty) partial index looked cheaper than a primary-key lookup, and the
-- duplicate lookup of the ingest and the projector's reads scanned every record stored so far
-- (seen in ops/bench: a third of the writers' time). An index on recorded_at over all events
-- serves "what was recorded between two times" (the knownAt reads) and offers no such shortcut:
-- it names no stream type, so a query by stream type never mistakes it for a small index.
DROP INDEX IF EXISTS events_performance_recorded;
CREATE INDEX IF NOT EXISTS events_recorded_at ON events (recorded_at);
