// A real graphql-ws client subscribes to the event feed, disconnects, and resumes from its last
// cursor: it must receive exactly the events committed while it was away, in order, once.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { wsUrl, token, gql, creditCode, fail } from './common.mjs';

const department = creditCode(String(90000000 + Math.floor(Math.random() * 9999999)).slice(0, 8));
const SUBSCRIPTION = `subscription($after: String, $filter: EventFilter) {
  events(after: $after, filter: $filter) { cursor eventId eventType stream { aggregateId sequence } } }`;

function client() {
  return createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: { Authorization: `Bearer ${token}` },
    retryAttempts: 0,
    lazy: true,
  });
}

/** Subscribes and collects `count` events, then waits `quietMs` for any extra one. */
function collect(c, variables, count, quietMs) {
  return new Promise((resolve, reject) => {
    const got = [];
    let timer = null;
    const dispose = c.subscribe(
      { query: SUBSCRIPTION, variables },
      {
        next: ({ data, errors }) => {
          if (errors) return reject(new Error(JSON.stringify(errors)));
          got.push(data.events);
          if (got.length === count) timer = setTimeout(() => { dispose(); resolve(got); }, quietMs);
          if (got.length > count) { clearTimeout(timer); dispose(); resolve(got); }
        },
        error: reject,
        complete: () => {},
      },
    );
    setTimeout(() => reject(new Error(`timed out with ${got.length} of ${count} events`)), 15000);
  });
}

const establish = `mutation($id: ID!) { establishDepartment(input: {id: $id, name: "临沂市订阅测试局",
  divisionCode: "371300000000", level: CITY, sector: "测试", kind: OTHER}) { cursor } }`;
const define = `mutation($d: ID!, $id: ID!, $t: String!) { defineMainDuty(input: {departmentId: $d, dutyId: $id, text: $t}) { cursor } }`;

await gql(establish, { id: department });
for (let i = 1; i <= 4; i++) await gql(define, { d: department, id: `md${i}`, t: `职责${i}` });
const filter = { departmentId: department };

const first = client();
const before = await collect(first, { filter }, 5, 300);
await first.dispose();
if (before.length !== 5) fail(`first session got ${before.length} events, expected 5`);
const last = before[before.length - 1].cursor;

for (let i = 5; i <= 11; i++) await gql(define, { d: department, id: `md${i}`, t: `职责${i}` });

const second = client();
const after = await collect(second, { after: last, filter }, 7, 500);
await second.dispose();
if (after.length !== 7) fail(`resumed session got ${after.length} events, expected exactly 7`);

const expected = await gql(
  `query($after: String, $filter: EventFilter) { events(after: $after, first: 100, filter: $filter) { edges { node { eventId } } } }`,
  { after: last, filter },
);
const want = expected.events.edges.map((e) => e.node.eventId);
const have = after.map((e) => e.eventId);
if (JSON.stringify(want) !== JSON.stringify(have)) fail(`resumed events ${have} differ from the feed ${want}`);
const all = new Set([...before, ...after].map((e) => e.eventId));
if (all.size !== 12) fail(`expected 12 distinct events over both sessions, got ${all.size}`);
const sequences = [...before, ...after].map((e) => e.stream.sequence);
if (JSON.stringify(sequences) !== JSON.stringify([...Array(12).keys()].map((i) => i + 1))) fail(`out of order: ${sequences}`);
console.log('graphql-ws resume: 5 events, disconnect, 7 committed meanwhile, 7 received after resuming, none twice');
