import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { makeEvent, encodeEvent, EventTypes, Streams, StreamSubjects, subjects } from '@fleetnet/contracts';
import { authorizationConfig, inboxPrefix, type FleetAuth } from '../../deploy/auth.ts';
import { startNats, type NatsServer } from '../support/nats.ts';
import { sleep } from '../support/ports.ts';

/** DESIGN.md's security model, enforced by a real nats-server with the config deploy/ generates. */
const auth: FleetAuth = {
  controller: { user: 'ctl', password: 'ctl-secret' },
  operator: { user: 'op', password: 'op-secret' },
  hosts: { h1: { user: 'agent-h1', password: 'h1-secret' }, h2: { user: 'agent-h2', password: 'h2-secret' } },
};
let server: NatsServer;
let ctl: NatsConnection;
let h1: NatsConnection;

const agentConnect = (host: 'h1' | 'h2') =>
  connect({ servers: server.url, user: auth.hosts[host]!.user, pass: auth.hosts[host]!.password, inboxPrefix: inboxPrefix(host) });

test.before(async () => {
  server = await startNats({ config: authorizationConfig(auth) });
  ctl = await connect({ servers: server.url, user: 'ctl', pass: 'ctl-secret' });
  const jsm = await jetstreamManager(ctl);
  await jsm.streams.add({ name: Streams.desired, subjects: [...StreamSubjects[Streams.desired]], allow_direct: true });
  const js = jetstream(ctl);
  for (const host of ['h1', 'h2']) {
    const ev = makeEvent(EventTypes.desiredPublished, 'test', subjects.desired(host), {
      host, version: 1, state: { interfaces: [{ name: `eth-${host}`, mtu: 1500 }] }, contentHash: 'x', sources: [],
    });
    await js.publish(subjects.desired(host), encodeEvent(ev), { msgID: ev.id });
  }
  h1 = await agentConnect('h1');
});

test.after(async () => {
  await h1?.close();
  await ctl?.close();
  await server?.stop();
});

test('an agent reads the last desired message of its own subject with a direct get', async () => {
  const msg = await h1.request(`$JS.API.DIRECT.GET.${Streams.desired}.${subjects.desired('h1')}`, undefined, { timeout: 2000 });
  assert.is(msg.headers?.get('Nats-Subject'), subjects.desired('h1'));
  assert.ok(msg.string().includes('eth-h1'));
});

test("an agent cannot direct-get another host's desired state", async () => {
  let failed = false;
  try {
    await h1.request(`$JS.API.DIRECT.GET.${Streams.desired}.${subjects.desired('h2')}`, undefined, { timeout: 1000 });
  } catch {
    failed = true;
  }
  assert.ok(failed, 'the request for h2 must not be answered');
});

test("an agent cannot subscribe to another host's desired subject or to the whole stream", async () => {
  for (const subject of [subjects.desired('h2'), 'fleetnet.desired.*', 'fleetnet.>', '_INBOX.>']) {
    const sub = h1.subscribe(subject);
    const outcome = await Promise.race([sub.closed.then((v) => (v instanceof Error ? `error: ${v.message}` : 'closed'), (e: Error) => `error: ${e.message}`), sleep(1500).then(() => 'open')]);
    assert.match(outcome, /error: .*[Pp]ermission/, `subscribe ${subject} must be refused, got ${outcome}`);
  }
});

test('an agent may only publish its own reports: a forged report for another host never arrives', async () => {
  const seen: string[] = [];
  const sub = ctl.subscribe('fleetnet.sync.*', { callback: (_e, m) => void seen.push(m.subject) });
  const h1b = await agentConnect('h1');
  h1b.publish(subjects.sync('h2'), 'forged');
  h1b.publish(subjects.sync('h1'), 'own');
  await h1b.flush();
  await sleep(500);
  assert.equal(seen, [subjects.sync('h1')]);
  sub.unsubscribe();
  await h1b.close().catch(() => undefined);
});

test('an agent cannot publish intent or call the JetStream API', async () => {
  const seen: string[] = [];
  const sub = ctl.subscribe('fleetnet.intent.>', { callback: (_e, m) => void seen.push(m.subject) });
  const h1c = await agentConnect('h1');
  h1c.publish(subjects.intentPolicy('p1'), 'x');
  await h1c.flush();
  let infoFailed = false;
  try {
    await h1c.request('$JS.API.STREAM.INFO.FLEETNET_DESIRED', undefined, { timeout: 1000 });
  } catch {
    infoFailed = true;
  }
  await sleep(300);
  assert.equal(seen, []);
  assert.ok(infoFailed, 'stream info must be refused to an agent');
  sub.unsubscribe();
  await h1c.close().catch(() => undefined);
});

test('pool allocations are the controller\'s: neither an agent nor an operator can write on fleetnet.alloc.<pool>', async () => {
  const seen: string[] = [];
  const sub = ctl.subscribe('fleetnet.alloc.>', { callback: (_e, m) => void seen.push(m.subject) });
  await ctl.flush();
  const op = await connect({ servers: server.url, user: 'op', pass: 'op-secret' });
  const h1d = await agentConnect('h1');
  h1d.publish(subjects.alloc('lab'), 'agent');
  op.publish(subjects.alloc('lab'), 'operator');
  op.publish(subjects.intentPool('lab'), 'pool intent is an operator\'s');
  await h1d.flush().catch(() => undefined);
  await op.flush().catch(() => undefined);
  ctl.publish(subjects.alloc('lab'), 'controller');
  await ctl.flush();
  await sleep(500);
  assert.equal(seen, [subjects.alloc('lab')], 'only the controller\'s record arrives');
  sub.unsubscribe();
  await h1d.close().catch(() => undefined);
  await op.close().catch(() => undefined);
});

test('a wrong password is refused', async () => {
  let refused = false;
  try {
    const c = await connect({ servers: server.url, user: 'agent-h1', pass: 'wrong', reconnect: false });
    await c.close();
  } catch {
    refused = true;
  }
  assert.ok(refused);
});

test.run();
