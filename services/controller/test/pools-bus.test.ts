/**
 * Per-host values end to end (issue 16): address pools with sticky allocations on
 * fleetnet.alloc.<pool>, templated policies rendered by the controller, captures frozen per
 * (policy revision, host), CaptureFailed and PoolExhausted. Real nats-server, sim agents.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import {
  encodeEvent, EventTypes, KvBuckets, makeEvent, Streams, subjects,
  type AddressPool, type HostNetworkPolicy, type PoolView,
} from '@fleetnet/contracts';
import { SimAgent } from '../../../sim/src/index.ts';
import {
  api, client, controller, desiredOf, hello, readStream, startNats, upsertPolicy, waitFor,
  type Client, type NatsServer,
} from './support.ts';
import { firstDifference } from './first-difference.ts';
import { rebuildFromStreams } from '../src/projection/rebuild.ts';
import type { RunningController } from '../src/index.ts';

let nats: NatsServer;
let c: Client;

test.before(async () => {
  nats = await startNats();
  c = await client(nats.url);
});
test.after(async () => {
  await c?.close();
  await nats?.stop();
});

const pool = (name: string, spec: AddressPool['spec']): AddressPool => ({ apiVersion: 'fleetnet.io/v1alpha1', kind: 'AddressPool', metadata: { name }, spec });

async function upsertPool(p: AddressPool) {
  const subject = subjects.intentPool(p.metadata.name);
  const ev = makeEvent(EventTypes.poolUpserted, 'test', subject, { pool: p });
  await c.js.publish(subject, encodeEvent(ev), { msgID: ev.id });
}

async function intent(subject: string, type: typeof EventTypes.hostRetired | typeof EventTypes.rolloutRecaptureRequested, data: never) {
  const ev = makeEvent(type, 'test', subject, data);
  await c.js.publish(subject, encodeEvent(ev), { msgID: ev.id });
}

/** A policy whose eth1 address comes from a pool. */
const templated = (name: string, poolName: string, selector: Record<string, string>): HostNetworkPolicy => ({
  apiVersion: 'fleetnet.io/v1', kind: 'HostNetworkPolicy', metadata: { name },
  spec: {
    hostSelector: { matchLabels: selector },
    rollout: { maxUnavailable: '100%' },
    desiredState: {
      interfaces: [{
        name: 'eth1', type: 'ethernet', state: 'up', description: 'pool {{ host.name }}',
        ipv4: { enabled: true, address: [{ ip: '{{ pools.' + poolName + '.ip }}', 'prefix-length': '{{ pools.' + poolName + '.prefix-length }}' }] },
      }],
    },
  } as never,
});

const allocations = (ctl: RunningController, name: string) =>
  Object.fromEntries(Object.entries(ctl.projection.state.pools[name]?.allocations ?? {}).map(([h, a]) => [h, a.address]));

const ipInt = (ip: string) => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);

async function simFleet(prefix: string, count: number, labels: Record<string, string>) {
  const nc = await connect({ servers: nats.url });
  const js = jetstream(nc);
  const agents = Array.from({ length: count }, (_, i) => new SimAgent({ host: `${prefix}${i}`, index: i, nc, js, labels }));
  // started 64 at a time, like bench/fleet: a start waits for its first desired read
  const queue = [...agents];
  await Promise.all(Array.from({ length: 64 }, async () => {
    for (let a = queue.shift(); a; a = queue.shift()) await a.start();
  }));
  return { agents, stop: async () => { await Promise.all(agents.map((a) => a.stop())); await nc.drain(); } };
}

test('50 sim hosts, one pool, one templated policy: all Applied, 50 distinct addresses in the range, unchanged across a controller restart and a rebuild', async () => {
  let ctl = await controller(nats.url, { name: 'pool-one' });
  await upsertPool(pool('lab', { cidr: '10.50.0.0/24', range: { start: '10.50.0.10', end: '10.50.0.200' }, exclude: ['10.50.0.20-10.50.0.29'], gateway: '10.50.0.1' }));
  const fleet = await simFleet('p50-', 50, { site: 'lab' });
  await upsertPolicy(c, templated('lab-addr', 'lab', { site: 'lab' }));
  await waitFor(async () => {
    const r = (await api(c, 'rollouts.get', { policy: 'lab-addr' })).rollout;
    return r?.state === 'Complete' && r.counts.succeeded === 50;
  }, 60_000, 'all 50 Applied');
  const alloc = allocations(ctl, 'lab');
  const addrs = Object.values(alloc);
  assert.is(Object.keys(alloc).length, 50, 'every host has an address');
  assert.is(new Set(addrs).size, 50, 'no address twice');
  for (const a of addrs) {
    assert.ok(ipInt(a) >= ipInt('10.50.0.10') && ipInt(a) <= ipInt('10.50.0.200'), `${a} inside the range`);
    assert.not.ok(ipInt(a) >= ipInt('10.50.0.20') && ipInt(a) <= ipInt('10.50.0.29'), `${a} not excluded`);
  }
  for (const a of fleet.agents) {
    const eth1 = (await a.backend.read()).interfaces?.find((i) => i.name === 'eth1');
    assert.equal(eth1?.ipv4?.address?.map((x) => `${x.ip}/${x['prefix-length']}`), [`${alloc[a.host]}/24`], `${a.host} carries its own address`);
    assert.is(eth1?.description, `pool ${a.host}`, 'host template rendered');
  }
  const versionsBefore = (await desiredOf(c)).length;
  await ctl.stop();
  ctl = await controller(nats.url, { name: 'pool-two' });
  await ctl.settled();
  assert.equal(allocations(ctl, 'lab'), alloc, 'a restarted controller keeps every allocation');
  assert.is((await desiredOf(c)).length, versionsBefore, 'and publishes no new version');
  const plan = await api(c, 'plan', { policy: templated('lab-addr', 'lab', { site: 'lab' }) });
  assert.is(plan.matchedHosts?.length, 50, 'plan renders for every host');
  assert.ok(plan.matchedHosts!.every((m) => m.changes.length === 0 && m.conflicts.length === 0), 'the same policy again changes nothing: rendered with the host\'s own address');
  const live = ctl.projection.state;
  const rebuilt = await rebuildFromStreams(ctl.bus, live.seq);
  assert.equal(firstDifference(rebuilt.pools, live.pools), undefined, 'a rebuild has the same pools');
  await waitFor(async () => {
    const e = await (await new Kvm(c.js).open(KvBuckets.pools)).get('lab');
    return e && (JSON.parse(new TextDecoder().decode(e.value)) as PoolView).allocated === 50;
  }, 10_000, 'the pool view in KV counts 50 allocations');
  await fleet.stop();
  await ctl.stop();
});

test('1,000 sim hosts, two controllers racing: distinct addresses, each host one, all Applied, both controllers agree', async () => {
  const one = await controller(nats.url, { name: 'race-one' });
  const two = await controller(nats.url, { name: 'race-two' });
  await upsertPool(pool('big', { cidr: '10.60.0.0/20' }));
  await upsertPolicy(c, templated('big-addr', 'big', { fleet: 'big' }));
  const fleet = await simFleet('b', 1000, { fleet: 'big' });
  await waitFor(() => Object.keys(allocations(one, 'big')).length === 1000 && Object.keys(allocations(two, 'big')).length === 1000, 120_000, '1,000 allocations');
  await waitFor(async () => (await api(c, 'rollouts.get', { policy: 'big-addr' })).rollout?.counts.succeeded === 1000, 180_000, '1,000 Applied');
  for (const a of fleet.agents.slice(0, 1000).filter((_, i) => i % 97 === 0)) {
    const eth1 = (await a.backend.read()).interfaces?.find((i) => i.name === 'eth1');
    assert.is(eth1?.ipv4?.address?.[0]?.ip, allocations(one, 'big')[a.host], `${a.host} carries its allocation`);
  }
  await fleet.stop();
  await one.settled(180_000);
  await two.settled(180_000);
  const a = allocations(one, 'big');
  assert.is(new Set(Object.values(a)).size, 1000, '1,000 distinct addresses');
  assert.equal(allocations(two, 'big'), a, 'both controllers see the same allocations');
  const records = (await readStream(c, Streams.intent)).filter((e) => e.subject === subjects.alloc('big'));
  const written = records.flatMap((e) => (e.event.data as { allocations: { host: string }[] }).allocations.map((x) => x.host));
  assert.is(new Set(written).size, written.length, 'no host allocated twice in the records that counted or not');
  await one.stop();
  await two.stop();
});

test('exhausted pool: hosts without an address get PoolExhausted and nothing published; retire frees an address for them', async () => {
  const ctl = await controller(nats.url, { name: 'exhaust' });
  await upsertPool(pool('tiny', { cidr: '10.70.0.0/29', range: { start: '10.70.0.2', end: '10.70.0.4' } }));
  await upsertPolicy(c, templated('tiny-addr', 'tiny', { fleet: 'tiny' }));
  for (let i = 0; i < 4; i++) await hello(c, `t${i}`, { fleet: 'tiny' });
  await waitFor(() => Object.keys(allocations(ctl, 'tiny')).length === 3, 20_000, '3 allocated');
  await ctl.settled();
  await waitFor(async () => (await api(c, 'hosts.get', { name: 't3' })).host?.conditions.some((x) => x.type === 'PoolExhausted'), 20_000, 't3 PoolExhausted');
  assert.is((await desiredOf(c, 't3')).length, 0, 'nothing published for t3');
  assert.is((await desiredOf(c, 't0')).length, 1, 't0 has its version');
  await intent(subjects.intentHost('t0'), EventTypes.hostRetired, { host: 't0' } as never);
  await waitFor(() => allocations(ctl, 'tiny').t3 !== undefined && allocations(ctl, 'tiny').t0 === undefined, 20_000, 't0 released, t3 allocated');
  assert.is(allocations(ctl, 'tiny').t3, '10.70.0.2', 't3 gets the address t0 gave back');
  await waitFor(async () => (await desiredOf(c, 't3')).length === 1, 20_000, 't3 published');
  await ctl.stop();
});

test('a pool narrowed: an address outside the new range is taken back and the host gets one inside', async () => {
  const ctl = await controller(nats.url, { name: 'narrow' });
  await upsertPool(pool('narrow', { cidr: '10.85.0.0/24', range: { start: '10.85.0.10', end: '10.85.0.20' } }));
  await upsertPolicy(c, templated('narrow-addr', 'narrow', { fleet: 'narrow' }));
  await hello(c, 'n0', { fleet: 'narrow' });
  await hello(c, 'n1', { fleet: 'narrow' });
  await waitFor(() => allocations(ctl, 'narrow').n1 === '10.85.0.11', 20_000, 'n1 at .11');
  await upsertPool(pool('narrow', { cidr: '10.85.0.0/24', range: { start: '10.85.0.10', end: '10.85.0.20' }, exclude: ['10.85.0.11'] }));
  await waitFor(() => allocations(ctl, 'narrow').n1 === '10.85.0.12', 20_000, 'n1 moved to .12');
  assert.is(allocations(ctl, 'narrow').n0, '10.85.0.10', 'n0 keeps its address');
  await waitFor(async () => (await desiredOf(c, 'n1')).at(-1)?.data.state.interfaces?.[0]?.ipv4?.address?.[0]?.ip === '10.85.0.12', 20_000, 'n1 republished');
  await ctl.stop();
});

test('deselected host: its address is released after the grace period, not before', async () => {
  const ctl = await controller(nats.url, { name: 'grace', poolGraceSeconds: 2 });
  await upsertPool(pool('grace', { cidr: '10.80.0.0/24' }));
  await upsertPolicy(c, templated('grace-addr', 'grace', { fleet: 'grace' }));
  await hello(c, 'g0', { fleet: 'grace' });
  await waitFor(() => allocations(ctl, 'grace').g0 !== undefined, 20_000, 'g0 allocated');
  const subject = subjects.intentHost('g0');
  const ev = makeEvent(EventTypes.hostLabeled, 'test', subject, { host: 'g0', remove: ['fleet'] });
  await c.js.publish(subject, encodeEvent(ev), { msgID: ev.id });
  await new Promise((r) => setTimeout(r, 1000));
  assert.ok(allocations(ctl, 'grace').g0, 'still allocated within the grace period');
  await waitFor(() => allocations(ctl, 'grace').g0 === undefined, 20_000, 'released after the grace period');
  await ctl.stop();
});

const captureState = (gwIface: string) => ({
  interfaces: [
    { name: 'eth0', type: 'ethernet', state: 'up', mtu: 1500 },
    { name: 'eth2', type: 'ethernet', state: 'up', mtu: 1500 },
  ],
  routes: { config: [{ destination: '0.0.0.0/0', 'next-hop-interface': gwIface, 'next-hop-address': '192.0.2.1' }] },
});

async function report(host: string, state: unknown) {
  const ev = makeEvent(EventTypes.stateReported, `agent/${host}`, subjects.state(host), { host, state } as never);
  await c.js.publish(subjects.state(host), encodeEvent(ev), { msgID: ev.id });
}

const capturePolicy = (name: string, expr: string): HostNetworkPolicy => ({
  apiVersion: 'fleetnet.io/v1', kind: 'HostNetworkPolicy', metadata: { name },
  spec: {
    hostSelector: { matchLabels: { cap: name } },
    capture: { gw: expr },
    desiredState: { interfaces: [{ name: '{{ capture.gw.routes.running.0.next-hop-interface }}', type: 'ethernet', state: 'up', mtu: 9000 }] },
  } as never,
});

test('CaptureFailed: a capture that matches nothing is a condition naming it, and the host is left untouched', async () => {
  const ctl = await controller(nats.url, { name: 'capfail' });
  await hello(c, 'cf0', { cap: 'capfail' });
  await report('cf0', captureState('eth0'));
  await upsertPolicy(c, capturePolicy('capfail', 'routes.running.destination=="203.0.113.0/24"'));
  const cond = await waitFor(async () => (await api(c, 'hosts.get', { name: 'cf0' })).host?.conditions.find((x) => x.type === 'CaptureFailed'), 20_000, 'CaptureFailed');
  assert.match(cond.message, 'routes.running.destination', 'names the expression');
  await ctl.settled();
  assert.is((await desiredOf(c, 'cf0')).length, 0, 'no desired version');
  await ctl.stop();
});

test('frozen capture: a state report that moves the captured route changes nothing; recapture takes the new value', async () => {
  const ctl = await controller(nats.url, { name: 'freeze' });
  await hello(c, 'fz0', { cap: 'freeze' });
  await report('fz0', captureState('eth0'));
  await waitFor(() => ctl.projection.state.hosts.fz0?.actual !== undefined, 10_000, 'state folded');
  await upsertPolicy(c, capturePolicy('freeze', 'routes.running.destination=="0.0.0.0/0"'));
  await waitFor(async () => (await desiredOf(c, 'fz0')).length === 1, 20_000, 'version 1');
  const v1 = (await desiredOf(c, 'fz0'))[0]!.data;
  assert.is(v1.state.interfaces?.[0]?.name, 'eth0', 'captured eth0');
  assert.ok(v1.captured?.freeze, 'the captured value is recorded in the desired version');
  await report('fz0', captureState('eth2'));
  await waitFor(() => ctl.projection.state.hosts.fz0?.actual?.routes?.config?.[0]?.['next-hop-interface'] === 'eth2', 10_000, 'moved route folded');
  await ctl.settled();
  await new Promise((r) => setTimeout(r, 500));
  await ctl.settled();
  assert.is((await desiredOf(c, 'fz0')).length, 1, 'the frozen capture holds: no new version');
  await intent(subjects.intentPolicy('freeze'), EventTypes.rolloutRecaptureRequested, { policy: 'freeze', host: 'fz0' } as never);
  await waitFor(async () => (await desiredOf(c, 'fz0')).length === 2, 20_000, 'recaptured version 2');
  assert.is((await desiredOf(c, 'fz0'))[1]!.data.state.interfaces?.[0]?.name, 'eth2', 'recapture took the new route');
  const rebuilt = await rebuildFromStreams(ctl.bus, ctl.projection.state.seq);
  assert.equal(firstDifference(rebuilt.hosts.fz0, ctl.projection.state.hosts.fz0), undefined, 'rebuild equals live');
  await ctl.stop();
});

test.run();
