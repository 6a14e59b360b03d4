// After the restart: every acknowledged command's event is in the feed, and every acknowledged
// main duty is in the read model.
import { readFileSync } from 'node:fs';
import { gql, creditCode, fail } from './common.mjs';

const department = creditCode('95000001');
const acked = readFileSync(process.env.ACKED_FILE, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
if (acked.length < 10) fail(`only ${acked.length} commands were acknowledged: the load did not run`);

const cursors = new Set();
let after = null;
for (;;) {
  const data = await gql(`query($after: String, $f: EventFilter) { events(after: $after, first: 1000, filter: $f) {
    edges { cursor } pageInfo { hasNextPage endCursor } } }`, { after, f: { departmentId: department } });
  data.events.edges.forEach((e) => cursors.add(e.cursor));
  if (!data.events.pageInfo.hasNextPage) break;
  after = data.events.pageInfo.endCursor;
}
const missing = acked.filter((a) => !cursors.has(a.cursor));
if (missing.length) fail(`${missing.length} acknowledged events are missing from the feed: ${JSON.stringify(missing.slice(0, 5))}`);

const dept = await gql(`query($id: ID!) { department(id: $id) { mainDuties { id } } }`, { id: department });
const duties = new Set(dept.department.mainDuties.map((d) => d.id));
const lost = acked.filter((a) => !duties.has(a.dutyId));
if (lost.length) fail(`${lost.length} acknowledged duties are missing from the read model`);
console.log(`kill test: ${acked.length} acknowledged commands, all in the feed (${cursors.size} events) and in the read model`);
