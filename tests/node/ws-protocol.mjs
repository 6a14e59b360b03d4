// The graphql-transport-ws protocol errors, each with its close code, and the happy paths
// (ping/pong, a query over the socket, credentials in the upgrade header or a lower-case key).
import WebSocket from 'ws';
import { wsUrl, token, fail } from './common.mjs';

const PROTOCOL = 'graphql-transport-ws';

function open(protocols = PROTOCOL, options = {}) {
  const ws = new WebSocket(wsUrl, protocols, options);
  const messages = [];
  const waiters = [];
  ws.on('message', (m) => {
    const msg = JSON.parse(m.toString());
    messages.push(msg);
    waiters.splice(0).forEach((w) => w());
  });
  const closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  const opened = new Promise((resolve, reject) => { ws.on('open', resolve); ws.on('error', reject); });
  const next = (type) => new Promise((resolve, reject) => {
    const check = () => {
      const i = messages.findIndex((m) => m.type === type);
      if (i >= 0) return resolve(messages.splice(i, 1)[0]);
      waiters.push(check);
    };
    check();
    setTimeout(() => reject(new Error(`no ${type} message`)), 5000);
  });
  return { ws, opened, closed, next, send: (m) => ws.send(typeof m === 'string' ? m : JSON.stringify(m)) };
}

async function expectClose(name, code, steps) {
  const c = steps.protocols === undefined ? open() : open(steps.protocols);
  await c.opened.catch(() => {});
  await steps(c);
  const result = await Promise.race([c.closed, new Promise((r) => setTimeout(() => r({ code: 'none' }), 5000))]);
  if (result.code !== code) fail(`${name}: expected close ${code}, got ${result.code} ${result.reason ?? ''}`);
  console.log(`ok  ${code} ${name}`);
}

const init = { type: 'connection_init', payload: { Authorization: `Bearer ${token}` } };

await (async () => {
  // A client that offers no graphql-transport-ws subprotocol (a standards-compliant client that
  // offered another one fails the handshake itself, since the server selects none).
  const c = open([]);
  const result = await Promise.race([c.closed, new Promise((r) => setTimeout(() => r({ code: 'none' }), 5000))]);
  if (result.code !== 4406) fail(`wrong subprotocol: expected close 4406, got ${result.code}`);
  console.log('ok  4406 subprotocol not offered');
})();
await expectClose('invalid message', 4400, async (c) => c.send('this is not json'));
await expectClose('message without a type', 4400, async (c) => c.send({ payload: {} }));
await expectClose('subscribe before ack', 4401, async (c) => c.send({ id: '1', type: 'subscribe', payload: { query: '{ departments { id } }' } }));
await expectClose('forbidden: bad token', 4403, async (c) => c.send({ type: 'connection_init', payload: { Authorization: 'Bearer not-a-token' } }));
await expectClose('forbidden: no credentials', 4403, async (c) => c.send({ type: 'connection_init' }));
await expectClose('init timeout', 4408, async () => {});
await expectClose('second init', 4429, async (c) => { c.send(init); await c.next('connection_ack'); c.send(init); });
await expectClose('duplicate subscription id', 4409, async (c) => {
  c.send(init);
  await c.next('connection_ack');
  const sub = { id: 'feed', type: 'subscribe', payload: { query: 'subscription { events { cursor } }' } };
  c.send(sub);
  c.send(sub);
});

// Happy paths.
{
  const c = open();
  await c.opened;
  c.send({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } });
  await c.next('connection_ack');
  c.send({ type: 'ping' });
  await c.next('pong');
  c.send({ id: 'q', type: 'subscribe', payload: { query: '{ departments { id } }' } });
  const next = await c.next('next');
  if (!next.payload.data || next.id !== 'q') fail(`query over the socket: ${JSON.stringify(next)}`);
  await c.next('complete');
  c.send({ id: 'bad', type: 'subscribe', payload: { query: '{ nope }' } });
  const error = await c.next('error');
  if (error.payload[0].extensions.code !== 'GRAPHQL_VALIDATION_FAILED') fail(`validation error: ${JSON.stringify(error)}`);
  c.ws.close(1000);
  console.log('ok  lower-case authorization key, ping/pong, a query, a validation error');
}
{
  const c = open(PROTOCOL, { headers: { Authorization: `Bearer ${token}` } });
  await c.opened;
  c.send({ type: 'connection_init' });
  await c.next('connection_ack');
  c.ws.close(1000);
  console.log('ok  credentials in the upgrade request header');
}
// A running subscription does not outlive its token.
{
  const short = process.env.DUTYLEDGER_SHORT_TOKEN;
  if (!short) fail('set DUTYLEDGER_SHORT_TOKEN (a token valid a few seconds)');
  const c = open();
  await c.opened;
  c.send({ type: 'connection_init', payload: { Authorization: `Bearer ${short}` } });
  await c.next('connection_ack');
  c.send({ id: 'live', type: 'subscribe', payload: { query: 'subscription { events { cursor } }' } });
  const result = await Promise.race([c.closed, new Promise((r) => setTimeout(() => r({ code: 'none' }), 15000))]);
  if (result.code !== 4403) fail(`expired token: expected close 4403, got ${result.code}`);
  console.log('ok  4403 when the token of a running subscription expires');
}
console.log('graphql-transport-ws protocol: all close codes as specified');
