/**
 * Groups 1 and 2 on a real nats-server: selectors (matchLabels and every operator), priority
 * merge, equal-priority conflicts reported on both policies and the host, NIC selection by PCI ids;
 * then: a policy change recompiles only matching hosts, and an unchanged recompile publishes nothing.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  agents, api, client, controller, deletePolicy, desiredOf, hello, labelHost, policy, startNats, upsertPolicy,
  type Client, type NatsServer,
} from './support.ts';
import type { RunningController } from '../src/index.ts';

let nats: NatsServer;
let c: Client;
let ctl: RunningController;
let bots: { stop(): void };

const versionsByHost = async () => {
  const out: Record<string, number> = {};
  for (const e of await desiredOf(c)) out[e.data.host] = Math.max(out[e.data.host] ?? 0, e.data.version);
  return out;
};
const desiredState = async (host: string) => {
  const r = await api(c, 'hosts.desired', { name: host });
  assert.not.ok(r.error, JSON.stringify(r.error));
  return r.state;
};
const iface = (state: { interfaces?: { name: string }[] }, name: string) => state.interfaces?.find((i) => i.name === name) as Record<string, unknown> | undefined;

test.before(async () => {
  nats = await startNats();
  c = await client(nats.url);
  ctl = await controller(nats.url);
  bots = agents(c, () => 'Applied', 10);
  await hello(c, 'a', { role: 'web', zone: 'z1' });
  await hello(c, 'b', { role: 'db', zone: 'z2' });
  await hello(c, 'c', { role: 'web', zone: 'z2', gpu: 'yes' }, [
    { name: 'eth0', vendorId: '8086', deviceId: '1572' },
    { name: 'ens5', vendorId: '15b3', deviceId: '1017', pciAddress: '0000:3b:00.0' },
  ]);
  await upsertPolicy(c, policy('p-base', { desiredState: { interfaces: [{ name: 'eth0', mtu: 1500 }], 'dns-resolver': { config: { server: ['10.0.0.53'] } } } }));
  await upsertPolicy(c, policy('p-web', { priority: 10, hostSelector: { matchLabels: { role: 'web' } }, desiredState: { interfaces: [{ name: 'eth0', mtu: 9000 }] } }));
  await upsertPolicy(c, policy('p-z2', {
    hostSelector: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['z2'] }, { key: 'gpu', operator: 'DoesNotExist' }] },
    desiredState: { routes: { config: [{ destination: '10.9.0.0/16', 'next-hop-address': '10.0.0.1', metric: 100 }] } },
  }));
  await upsertPolicy(c, policy('p-notin', {
    hostSelector: { matchExpressions: [{ key: 'role', operator: 'NotIn', values: ['web'] }, { key: 'zone', operator: 'Exists' }] },
    desiredState: { interfaces: [{ name: 'eth1', mtu: 1600 }] },
  }));
  await upsertPolicy(c, policy('p-c1', { priority: 5, hostSelector: { matchLabels: { gpu: 'yes' } }, desiredState: { interfaces: [{ name: 'br0', type: 'linux-bridge', mtu: 1400 }] } }));
  await upsertPolicy(c, policy('p-c2', { priority: 5, hostSelector: { matchLabels: { gpu: 'yes' } }, desiredState: { interfaces: [{ name: 'br0', type: 'linux-bridge', mtu: 1500 }] } }));
  await upsertPolicy(c, policy('p-nic', {
    hostSelector: { matchExpressions: [{ key: 'gpu', operator: 'Exists' }] },
    desiredState: { interfaces: [{ name: 'fast', type: 'ethernet', 'fleetnet.io/match': { 'vendor-id': '15b3', 'device-id': '1017' }, mtu: 9100 }] },
  }));
  await ctl.settled();
});

test.after(async () => {
  bots?.stop();
  await ctl?.stop();
  await c?.close();
  await nats?.stop();
});

test('selectors: matchLabels, In, NotIn, Exists, DoesNotExist pick the right hosts', async () => {
  const h = async (n: string) => (await api(c, 'hosts.get', { name: n })).host!.sources.map((s) => s.policy).sort();
  assert.equal(await h('a'), ['p-base', 'p-web']);
  assert.equal(await h('b'), ['p-base', 'p-notin', 'p-z2']);
  assert.equal(await h('c'), ['p-base', 'p-c1', 'p-c2', 'p-nic', 'p-web']);
  const pz2 = await api(c, 'policies.get', { name: 'p-z2' });
  assert.equal(pz2.policy!.matchedHosts, ['b']);
});

test('priority merge: the higher priority value wins per property, the rest merges', async () => {
  const a = await desiredState('a');
  assert.is(iface(a, 'eth0')?.mtu, 9000);
  assert.equal(a['dns-resolver']?.config?.server, ['10.0.0.53']);
  const b = await desiredState('b');
  assert.is(iface(b, 'eth0')?.mtu, 1500);
  assert.is(iface(b, 'eth1')?.mtu, 1600);
  assert.is(b.routes?.config?.[0]?.destination, '10.9.0.0/16');
});

test('PCI vendor/device selector resolves to the host NIC by its reported inventory', async () => {
  const s = await desiredState('c');
  assert.is(iface(s, 'ens5')?.mtu, 9100);
  assert.not.ok(iface(s, 'fast'));
  assert.not.ok(JSON.stringify(s).includes('fleetnet.io/match'));
});

test('equal priority, different values: Conflict on both policies and the host, no silent winner', async () => {
  const s = await desiredState('c');
  const br0 = iface(s, 'br0');
  assert.ok(br0, 'the agreed properties of br0 remain');
  assert.is(br0!.type, 'linux-bridge');
  assert.is(br0!.mtu, undefined, 'neither 1400 nor 1500 was chosen');
  const host = (await api(c, 'hosts.get', { name: 'c' })).host!;
  const hc = host.conditions.find((x) => x.type === 'Conflict');
  assert.ok(hc, 'host has a Conflict condition');
  assert.match(hc!.message, /interfaces\[br0\]\.mtu/);
  assert.match(hc!.message, /p-c1, p-c2/);
  for (const p of ['p-c1', 'p-c2']) {
    const v = (await api(c, 'policies.get', { name: p })).policy!;
    const pc = v.conditions.find((x) => x.type === 'Conflict');
    assert.ok(pc, `${p} has a Conflict condition`);
    assert.match(pc!.message, /br0/);
    assert.match(pc!.message, /\bc\b/);
  }
  const web = (await api(c, 'policies.get', { name: 'p-web' })).policy!;
  assert.not.ok(web.conditions.some((x) => x.type === 'Conflict'), 'an uninvolved policy has no conflict');
});

test('a policy change recompiles only the hosts it matches', async () => {
  const before = await versionsByHost();
  await upsertPolicy(c, policy('p-z2', {
    hostSelector: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['z2'] }, { key: 'gpu', operator: 'DoesNotExist' }] },
    desiredState: { routes: { config: [{ destination: '10.9.0.0/16', 'next-hop-address': '10.0.0.1', metric: 200 }] } },
  }));
  await ctl.settled();
  const after = await versionsByHost();
  assert.is(after.b, before.b! + 1, 'b (matched) got one new version');
  assert.is(after.a, before.a, 'a unchanged');
  assert.is(after.c, before.c, 'c unchanged');
  assert.is((await desiredState('b')).routes?.config?.[0]?.metric, 200);
  assert.is((await api(c, 'policies.get', { name: 'p-z2' })).policy!.revision, 2);
});

test('an unchanged recompile publishes nothing (same policy again, irrelevant label)', async () => {
  const before = await desiredOf(c);
  await upsertPolicy(c, policy('p-web', { priority: 10, hostSelector: { matchLabels: { role: 'web' } }, desiredState: { interfaces: [{ name: 'eth0', mtu: 9000 }] } }));
  await labelHost(c, 'a', { team: 'blue' });
  await ctl.settled();
  const after = await desiredOf(c);
  assert.is(after.length, before.length, 'no desired event was published');
  assert.is((await api(c, 'policies.get', { name: 'p-web' })).policy!.revision, 1, 'identical content is not a new revision');
  assert.is((await api(c, 'hosts.get', { name: 'a' })).host!.labels.team, 'blue', 'the label was folded');
});

test('a label change that changes matching recompiles that host only; deleting a policy removes it', async () => {
  const before = await versionsByHost();
  await labelHost(c, 'a', { zone: 'z2' });
  await ctl.settled();
  let after = await versionsByHost();
  assert.is(after.a, before.a! + 1);
  assert.is(after.b, before.b);
  assert.is(after.c, before.c);
  assert.is((await desiredState('a')).routes?.config?.length, 1, 'a now has the z2 route');

  await deletePolicy(c, 'p-z2');
  await ctl.settled();
  const afterDelete = await versionsByHost();
  assert.is(afterDelete.a, after.a! + 1);
  assert.is(afterDelete.b, after.b! + 1);
  assert.is(afterDelete.c, after.c);
  assert.is((await desiredState('b')).routes, undefined, 'the route is gone from b');
  const list = await api(c, 'policies.list', {});
  assert.not.ok(list.items!.some((p) => p.name === 'p-z2'));
});

test.run();
