// A stream of commands against a server that will be killed (SIGKILL) and restarted under it:
// every acknowledged command is appended to ACKED_FILE as one JSON line; failures are retried.
// Stops when STOP_FILE exists.
import { appendFileSync, existsSync } from 'node:fs';
import { gql, creditCode } from './common.mjs';

const acked = process.env.ACKED_FILE;
const stop = process.env.STOP_FILE;
const department = creditCode('95000001');

async function attempt(fn) {
  for (;;) {
    try { return await fn(); } catch { await new Promise((r) => setTimeout(r, 50)); }
    if (existsSync(stop)) return null;
  }
}

await attempt(() => gql(`mutation($id: ID!) { establishDepartment(input: {id: $id, name: "临沂市断电测试局",
  divisionCode: "371300000000", level: CITY, sector: "测试", kind: OTHER}) { cursor } }`, { id: department })
  .catch((e) => { if (String(e).includes('ALREADY_ESTABLISHED')) return null; throw e; }));

let n = 0;
let failures = 0;
while (!existsSync(stop)) {
  n += 1;
  const dutyId = `kill-${n}`;
  try {
    const data = await gql(`mutation($d: ID!, $id: ID!, $t: String!) {
      defineMainDuty(input: {departmentId: $d, dutyId: $id, text: $t}) { cursor projected } }`,
      { d: department, id: dutyId, t: `职责${n}` });
    appendFileSync(acked, JSON.stringify({ dutyId, cursor: data.defineMainDuty.cursor }) + '\n');
  } catch (e) {
    failures += 1;
    await new Promise((r) => setTimeout(r, 50));
  }
}
console.log(`kill load: ${n} commands sent, ${failures} failed while the server was down`);
