// Shared helpers of the Node.js tests: the server's address and token, GraphQL over HTTP,
// and unified social credit codes (GB 32100) for test departments.
export const base = process.env.DUTYLEDGER_URL;
export const token = process.env.DUTYLEDGER_TOKEN;
if (!base || !token) {
  console.error('set DUTYLEDGER_URL (http://host:port) and DUTYLEDGER_TOKEN');
  process.exit(2);
}
export const wsUrl = base.replace(/^http/, 'ws') + '/graphql/ws';

export async function gql(query, variables = {}) {
  const res = await fetch(base + '/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];

/** A valid credit code of a Linyi organ from an 8-digit organisation code body. */
export function creditCode(body8) {
  let s = 0;
  for (let i = 0; i < 8; i++) s += Number(body8[i]) * ORG_WEIGHTS[i];
  const c = 11 - (s % 11);
  const orgCheck = c === 10 ? 'X' : c === 11 ? '0' : String(c);
  const first17 = '11371300' + body8 + orgCheck;
  let t = 0;
  for (let i = 0; i < 17; i++) t += ALPHABET.indexOf(first17[i]) * WEIGHTS[i];
  return first17 + ALPHABET[(31 - (t % 31)) % 31];
}

export function fail(message) {
  console.error(`FAIL ${message}`);
  process.exit(1);
}
