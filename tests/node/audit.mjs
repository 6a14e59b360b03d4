// Runs graphql-http's GraphQL-over-HTTP server audits against a running dutyledger.
// Env: DUTYLEDGER_AUDIT_URL (e.g. http://127.0.0.1:8080/graphql), DUTYLEDGER_AUDIT_TOKEN.
// Exit status 1 if any MUST audit fails; SHOULD/MAY results are printed.
import { auditServer } from 'graphql-http';

const url = process.env.DUTYLEDGER_AUDIT_URL;
const token = process.env.DUTYLEDGER_AUDIT_TOKEN;
if (!url || !token) {
  console.error('set DUTYLEDGER_AUDIT_URL and DUTYLEDGER_AUDIT_TOKEN');
  process.exit(2);
}

// Every request carries the bearer token: the server refuses unauthenticated requests.
const fetchFn = (input, init = {}) => {
  const headers = new Headers(init.headers || {});
  headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
};

const results = await auditServer({ url, fetchFn });
let mustFailures = 0;
for (const r of results) {
  if (r.status === 'ok') continue;
  if (r.name.startsWith('MUST')) {
    mustFailures += 1;
    console.error(`FAIL  ${r.id} ${r.name}: ${r.reason}`);
  } else {
    console.log(`${r.status.toUpperCase().padEnd(5)} ${r.id} ${r.name}: ${r.reason}`);
  }
}
const ok = results.filter((r) => r.status === 'ok').length;
console.log(`graphql-http audit: ${results.length} audits, ${ok} ok, ${mustFailures} MUST failures`);
process.exit(mustFailures ? 1 : 0);
