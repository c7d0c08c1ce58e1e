import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import {
  encodeEvent, EventTypes, makeEvent, subjects,
  type ApiResponse, type HostNetworkPolicy,
} from '@fleetnet/contracts';
import { startNats, type NatsServer } from '../../test/support/nats.ts';
import { startControllerProcess, type Proc } from '../../test/support/proc.ts';
import { waitFor } from '../../test/support/ports.ts';
import { runCli } from './run-cli.ts';

/**
 * Lists are never cut without a word (issue 13 item 9), against the real controller on a server
 * whose max_payload is 64 KB: 1,200 hosts and 700 policies (about 1.5 MB of them) are more than one
 * page by count and by bytes. Every list API pages with limit + continue, every page fits in one
 * message, and `fleetnet get` prints everything by default.
 */
const HOSTS = 1200;
const POLICIES = 700;
const MAX_PAYLOAD = 64 * 1024;

let nats: NatsServer;
let controller: Proc;
let nc: NatsConnection;
const env = () => ({ FLEETNET_SERVER: nats.url });
const cli = (...args: string[]) => runCli(args, { env: env(), timeoutMs: 120_000 });
const hostName = (i: number) => `pg-${String(i).padStart(5, '0')}`;
const policyName = (i: number) => `pgp-${String(i).padStart(4, '0')}`;

const policy = (name: string): HostNetworkPolicy => ({
  apiVersion: 'fleetnet.io/v1', kind: 'HostNetworkPolicy',
  // ~2 KB each: 700 of them are more than the 1 MB a single reply could hold
  metadata: { name, annotations: { note: 'n'.repeat(2000) } },
  spec: { hostSelector: { matchLabels: { pg: 'nobody' } }, desiredState: { interfaces: [{ name: 'br-pg', type: 'linux-bridge', state: 'up' }] } },
});

async function api<M extends 'hosts.list' | 'policies.list' | 'rollouts.list'>(method: M, body: object): Promise<{ reply: ApiResponse<M>; bytes: number }> {
  const m = await nc.request(subjects.api(method), JSON.stringify(body), { timeout: 20_000 });
  const reply = m.json() as ApiResponse<M> & { error?: unknown };
  if (reply.error) throw new Error(`${method}: ${JSON.stringify(reply.error)}`);
  return { reply, bytes: m.data.byteLength };
}

/** Every page of a list through the API, checking each page's size against max_payload. */
async function pages(method: 'hosts.list' | 'policies.list' | 'rollouts.list', limit?: number) {
  const names: string[] = [];
  let token: string | undefined;
  let count = 0;
  do {
    const { reply, bytes } = await api(method, { ...(limit ? { limit } : {}), ...(token ? { continue: token } : {}) });
    assert.ok(bytes <= MAX_PAYLOAD, `page ${count} of ${method} is ${bytes} bytes`);
    if (limit) assert.ok(reply.items.length <= limit);
    names.push(...reply.items.map((i) => ('name' in i ? i.name : i.policy)));
    token = reply.continue;
    count++;
  } while (token);
  return { names, count };
}

test.before(async () => {
  nats = await startNats({ config: `max_payload: ${MAX_PAYLOAD}\n` });
  controller = await startControllerProcess({ args: ['--server', nats.url, '--log-level', 'warn'] });
  nc = await connect({ servers: nats.url });
  const js = jetstream(nc);
  const facts = { nics: [], kernel: { release: '6.1', capabilities: { bond: false, vlan: false, dummy: false, macvlan: true, vxlan: true, ovs: true } } };
  const publishAll = async (n: number, one: (i: number) => Promise<unknown>) => {
    for (let i = 0; i < n; i += 100) await Promise.all(Array.from({ length: Math.min(100, n - i) }, (_, k) => one(i + k)));
  };
  await publishAll(HOSTS, (i) => {
    const host = hostName(i);
    return js.publish(subjects.hello(host), encodeEvent(makeEvent(EventTypes.hello, `agent/${host}`, subjects.hello(host), { host, agentVersion: 'paging', labels: { rack: `r${i % 7}` }, facts })));
  });
  await publishAll(POLICIES, (i) => {
    const name = policyName(i);
    return js.publish(subjects.intentPolicy(name), encodeEvent(makeEvent(EventTypes.policyUpserted, 'paging-test', subjects.intentPolicy(name), { policy: policy(name) })));
  });
  await waitFor(async () => {
    const [h, p, r] = await Promise.all([api('hosts.list', { limit: 1 }), api('policies.list', { limit: 1 }), api('rollouts.list', { limit: 1 })]).catch(() => []);
    return h?.reply.total === HOSTS && p?.reply.total === POLICIES && r?.reply.total === POLICIES;
  }, 120_000, 'the controller folded every host and policy', 500);
});

test.after(async () => {
  await nc?.close();
  await controller?.stop();
  await nats?.stop();
});

test('hosts.list, policies.list, rollouts.list: pages that fit max_payload, continue tokens through everything, once each', async () => {
  const all = Array.from({ length: HOSTS }, (_, i) => hostName(i));
  for (const limit of [undefined, 7, 10000]) {
    const h = await pages('hosts.list', limit);
    assert.equal(h.names, all, `hosts with limit ${limit}`);
    assert.ok(h.count > 1, 'more than one page');
  }
  const p = await pages('policies.list');
  assert.equal(p.names, Array.from({ length: POLICIES }, (_, i) => policyName(i)));
  assert.ok(p.count >= 15, `700 policies of 2 KB in 64 KB pages: ${p.count} pages`);
  const r = await pages('rollouts.list', 300);
  assert.equal(r.names, Array.from({ length: POLICIES }, (_, i) => policyName(i)));
  // a selector pages too, and the total counts what matches
  const { reply } = await api('hosts.list', { selector: 'rack=r3', limit: 50 });
  assert.is(reply.total, Array.from({ length: HOSTS }, (_, i) => i).filter((i) => i % 7 === 3).length);
  assert.ok(reply.continue);
});

test('fleetnet get hosts|policies|rollouts: everything by default, in json and as a table', async () => {
  const [hosts, hostsTable, policies, rollouts] = await Promise.all([
    cli('get', 'hosts', '-o', 'json'), cli('get', 'hosts'), cli('get', 'policies', '-o', 'json'), cli('get', 'rollouts', '-o', 'json'),
  ]);
  for (const r of [hosts, hostsTable, policies, rollouts]) {
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stderr, '', 'nothing cut, nothing to say');
  }
  const h = JSON.parse(hosts.stdout) as ApiResponse<'hosts.list'>;
  assert.is(h.items.length, HOSTS);
  assert.is(h.total, HOSTS);
  assert.is(h.continue, undefined);
  assert.is(hostsTable.stdout.trim().split('\n').length, HOSTS + 1, 'a header and one row per host');
  assert.is((JSON.parse(policies.stdout) as ApiResponse<'policies.list'>).items.length, POLICIES);
  assert.is((JSON.parse(rollouts.stdout) as ApiResponse<'rollouts.list'>).items.length, POLICIES);
});

test('fleetnet get --chunk-size N pages in smaller requests; --limit N cuts on purpose and says so on stderr', async () => {
  const [chunked, limited, limitedJson] = await Promise.all([
    cli('get', 'hosts', '--chunk-size', '97', '-o', 'json'), cli('get', 'policies', '--limit', '25'), cli('get', 'hosts', '--limit', '250', '--chunk-size', '100', '-o', 'json'),
  ]);
  for (const r of [chunked, limited, limitedJson]) assert.is(r.code, 0, r.stderr);
  assert.is((JSON.parse(chunked.stdout) as ApiResponse<'hosts.list'>).items.length, HOSTS);
  assert.is(limited.stdout.trim().split('\n').length, 26);
  assert.is(limited.stderr, `showing 25 of ${POLICIES} policies (--limit 25)\n`);
  const lj = JSON.parse(limitedJson.stdout) as ApiResponse<'hosts.list'>;
  assert.is(lj.items.length, 250);
  assert.is(lj.total, HOSTS);
  assert.match(limitedJson.stderr, `showing 250 of ${HOSTS} hosts (--limit 250)`);
});

test.run();
