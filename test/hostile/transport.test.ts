/**
 * The API transport under replies that cannot be sent (issue 13 item 3): a reply nested 5,000 levels
 * deep (what one host's report could once put in the projection), one JSON cannot serialize, and one
 * over max_payload each become an error reply for that request only; the transport keeps answering.
 * A real nats-server; the transport with handlers of its own, so each bad reply is made on purpose.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { FleetnetApiServer } from '../../services/controller/src/api/transport.ts';
import { startNats, type NatsServer } from '../support/nats.ts';

let nats: NatsServer;
let nc: NatsConnection;
let client: NatsConnection;
let server: FleetnetApiServer;
const logged: { level: string; msg: string }[] = [];
const log = Object.fromEntries(['error', 'warn', 'info', 'debug'].map((level) => [level, (_o: unknown, msg: string) => logged.push({ level, msg })])) as unknown as ConstructorParameters<typeof FleetnetApiServer>[1];

let deep: unknown = 1;
for (let i = 0; i < 5000; i++) deep = [deep];

test.before(async () => {
  nats = await startNats({ config: 'max_payload: 65536\n' });
  nc = await connect({ servers: nats.url });
  client = await connect({ servers: nats.url });
  server = new FleetnetApiServer(() => nc, log);
  server.addHandler('deep', async () => ({ items: deep }));
  server.addHandler('bigint', async () => ({ n: 10n }));
  server.addHandler('huge', async () => ({ items: 'x'.repeat(100_000) }));
  server.addHandler('ok', async (body: unknown) => ({ echo: body }));
  await new Promise<void>((r) => server.listen(() => r()));
  await nc.flush();
});

test.after(async () => {
  server?.close();
  await client?.close();
  await nc?.close();
  await nats?.stop();
});

const call = async (method: string, body = '{}') => (await client.request(`fleetnet.api.${method}`, body, { timeout: 5000 })).json() as { error?: { code: string; message: string }; echo?: unknown };

test('a reply nested 5,000 deep is an INTERNAL error naming the limit; the next request is answered', async () => {
  const r = await call('deep');
  assert.is(r.error?.code, 'INTERNAL');
  assert.match(r.error!.message, /the deep reply cannot be sent: .*nested more than 64 levels/);
  assert.ok(logged.some((l) => l.level === 'error' && /cannot be serialized/.test(l.msg)), 'logged as an error');
  assert.equal((await call('ok', '{"a":1}')).echo, { a: 1 });
});

test('a reply JSON cannot serialize (a BigInt) is an INTERNAL error, not a dead request', async () => {
  const r = await call('bigint');
  assert.is(r.error?.code, 'INTERNAL');
  assert.match(r.error!.message, /cannot be serialized: .*BigInt/);
  assert.equal((await call('ok', '{"b":2}')).echo, { b: 2 });
});

test('a reply over max_payload is UNAVAILABLE, naming the size and the limit', async () => {
  const r = await call('huge');
  assert.is(r.error?.code, 'UNAVAILABLE');
  assert.match(r.error!.message, /the huge response is \d+ bytes serialized, more than .*max_payload of 65536/);
});

test('a request body nested 5,000 deep is refused before any handler or validation sees it', async () => {
  const r = await call('ok', `{"a":${'['.repeat(5000)}${']'.repeat(5000)}}`);
  assert.is(r.error?.code, 'BAD_REQUEST');
  assert.match(r.error!.message, /request body of ok refused: document is nested more than 64 levels/);
});

test('many bad replies at once: every good request among them is still answered', async () => {
  const all = await Promise.all(Array.from({ length: 60 }, (_, i) => call(['deep', 'bigint', 'ok'][i % 3]!, `{"i":${i}}`)));
  all.forEach((r, i) => {
    if (i % 3 === 2) assert.equal(r.echo, { i });
    else assert.is(r.error?.code, 'INTERNAL');
  });
});

test.run();
