/**
 * The whole system on one machine: three hosts in their own namespaces running real agents, a real
 * controller process and nats-server. Tests run in order on one fleet; each leaves it in sync.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { HostNetworkPolicy, HostView, SyncReportedData } from '@fleetnet/contracts';
import { encodeEvent, EventTypes, makeEvent, parseEvent, subjects } from '@fleetnet/contracts';
import { kernelLink, startFleet, type Fleet, type FleetHost } from '../support/fleet.ts';
import { sleep, waitFor } from '../support/ports.ts';

// async: the relay that carries the agents' NATS traffic runs in this process's event loop
const run = promisify(execFile);
const addresses = async (h: FleetHost, dev: string) => {
  const out = await run('ip', ['-n', h.ns.name, '-j', 'addr', 'show', 'dev', dev]);
  return (JSON.parse(out.stdout) as { addr_info: { local: string; family: string }[] }[])[0]!.addr_info.filter((a) => a.family === 'inet').map((a) => a.local);
};

const policy = (name: string, spec: HostNetworkPolicy['spec']): HostNetworkPolicy => ({
  apiVersion: 'fleetnet.io/v1', kind: 'HostNetworkPolicy', metadata: { name }, spec,
});

const webBridge = (mtu: number, maxUnavailable?: number) => policy('web-bridge', {
  hostSelector: { matchLabels: { role: 'web' } },
  ...(maxUnavailable ? { rollout: { maxUnavailable } } : {}),
  desiredState: {
    interfaces: [
      { name: 'data0', state: 'up', mtu },
      { name: 'br-web', type: 'linux-bridge', state: 'up', mtu, bridge: { port: [{ name: 'data0' }] } },
    ],
  },
});

let fleet: Fleet;
/** every sync report seen on the bus, in arrival order, with its raw bytes */
const syncs: { data: SyncReportedData; raw: Uint8Array }[] = [];

test.before(async () => {
  fleet = await startFleet({
    hosts: [
      { name: 'web1', labels: { role: 'web', zone: 'a' } },
      { name: 'db1', labels: { role: 'db', zone: 'a' } },
      { name: 'web2', labels: { role: 'web', zone: 'b' } },
    ],
    say: process.env.TEST_VERBOSE ? (l) => console.log(`[fleet] ${l}`) : undefined,
  });
  fleet.client.nc.subscribe('fleetnet.sync.>', {
    callback: (_e, m) => {
      const p = parseEvent(m.data, [EventTypes.syncReported]);
      if (p.ok) syncs.push({ data: p.event.data as SyncReportedData, raw: m.data });
    },
  });
});

test.after(async () => {
  await fleet?.stop();
});

const logsOf = (...names: string[]) => names.map((n) => `--- ${n} ---\n${fleet.host(n).agent?.tail(20)}`).join('\n');

/** waits until the host has applied, in sync, a version newer than `after` */
async function appliedAfter(name: string, after: number, timeoutMs = 30_000): Promise<HostView> {
  try {
    return await waitFor(async () => {
      const v = await fleet.hostView(name);
      return v.desiredVersion > after && v.appliedVersion === v.desiredVersion && v.phase === 'Applied' && v.inSync ? v : undefined;
    }, timeoutMs, `${name} applied a version after v${after}`, 150);
  } catch (e) {
    const v = await fleet.hostView(name);
    throw new Error(`${(e as Error).message}: now v${v.appliedVersion}/${v.desiredVersion} ${v.phase} ${v.lastError?.message ?? ''}\n${logsOf(name)}`);
  }
}

test('1. a policy changes only the hosts its selector matches; hosts.get shows per-property results', async () => {
  await fleet.applyPolicy(webBridge(9000));
  for (const name of ['web1', 'web2']) await appliedAfter(name, 0);
  for (const name of ['web1', 'web2']) {
    const h = fleet.host(name);
    assert.is((await kernelLink(h, 'br-web'))?.mtu, 9000, `${name}: br-web exists with MTU 9000`);
    const d0 = await kernelLink(h, 'data0');
    assert.is(d0?.master, 'br-web', `${name}: data0 is a port of br-web`);
    assert.is(d0?.mtu, 9000);
  }
  const db = fleet.host('db1');
  assert.is(await kernelLink(db, 'br-web'), undefined, 'db1 has no br-web');
  assert.is((await kernelLink(db, 'data0'))?.mtu, 1500, 'db1 data0 untouched');
  assert.is((await fleet.hostView('db1')).desiredVersion, 0, 'no desired state was published for db1');

  const got = await fleet.client.request('hosts.get', { name: 'web1' });
  assert.equal(got.host.sources.map((s) => s.policy), ['web-bridge']);
  const mtu = got.host.results.find((r) => r.path === 'interfaces[data0].mtu');
  assert.ok(mtu, `a result for data0's MTU among ${got.host.results.map((r) => r.path).join(', ')}`);
  assert.equal({ expected: mtu.expected, actual: mtu.actual, inSync: mtu.inSync }, { expected: 9000, actual: 9000, inSync: true });
  assert.ok(got.host.results.every((r) => r.inSync), 'every property in sync');
  const applied = `v${got.host.appliedVersion} Applied`;
  assert.ok(got.events.some((e) => e.type === 'sync' && e.summary.includes(applied)), `hosts.get lists "${applied}" among ${JSON.stringify(got.events)}`);
});

test('2. an update rolled out with maxUnavailable 1 never has two hosts applying at once', async () => {
  const before = new Map(await Promise.all(['web1', 'web2'].map(async (n) => [n, (await fleet.hostView(n)).desiredVersion] as const)));
  const from = syncs.length;
  await fleet.applyPolicy(webBridge(8000, 1));
  for (const name of ['web1', 'web2']) await appliedAfter(name, before.get(name)!);
  const applying = new Set<string>();
  let most = 0;
  const started = new Set<string>();
  for (const { data: s } of syncs.slice(from)) {
    if (s.version <= (before.get(s.host) ?? Infinity)) continue;
    if (s.phase === 'Applying') {
      applying.add(s.host);
      started.add(s.host);
    } else applying.delete(s.host);
    most = Math.max(most, applying.size);
  }
  assert.equal([...started].sort(), ['web1', 'web2'], 'both hosts applied the update');
  assert.is(most, 1, 'at most one host applying at any moment');
  assert.is((await fleet.client.request('rollouts.get', { policy: 'web-bridge' })).rollout.maxUnavailable, 1);
  for (const name of ['web1', 'web2']) assert.is((await kernelLink(fleet.host(name), 'br-web'))?.mtu, 8000);
});

test('3. a deleted policy: what it created is gone from the kernel', async () => {
  const before = new Map(await Promise.all(['web1', 'web2'].map(async (n) => [n, (await fleet.hostView(n)).desiredVersion] as const)));
  await fleet.deletePolicy('web-bridge');
  for (const name of ['web1', 'web2']) {
    const v = await appliedAfter(name, before.get(name)!);
    assert.equal(v.sources, [], `${name}: no policy left`);
    const h = fleet.host(name);
    assert.is(await kernelLink(h, 'br-web'), undefined, `${name}: br-web removed`);
    assert.is((await kernelLink(h, 'data0'))?.master, undefined, `${name}: data0 is no bridge port any more`);
  }
});

test('4. drift: an MTU changed by hand is reported Drifted within 2 s, and put back when enforce is set', async () => {
  const db = fleet.host('db1');
  const spec = (enforce: boolean): HostNetworkPolicy['spec'] => ({
    hostSelector: { matchLabels: { role: 'db' } }, enforce,
    desiredState: { interfaces: [{ name: 'data1', state: 'up', mtu: 1400 }] },
  });
  await fleet.applyPolicy(policy('db-mtu', spec(false)));
  const v1 = await appliedAfter('db1', 0);
  await run('ip', ['-n', db.ns.name, 'link', 'set', 'data1', 'mtu', '1300']);
  const changedAt = Date.now();
  const drifted = await waitFor(async () => {
    const v = await fleet.hostView('db1');
    return v.phase === 'Drifted' ? v : undefined;
  }, 2000, 'db1 reported Drifted within 2 s', 50).catch(async (e) => {
    throw new Error(`${(e as Error).message}\n${logsOf('db1')}`);
  });
  const r = drifted.results.find((x) => x.path === 'interfaces[data1].mtu');
  assert.equal({ expected: r?.expected, actual: r?.actual, inSync: r?.inSync }, { expected: 1400, actual: 1300, inSync: false });
  assert.is(drifted.inSync, false);
  await sleep(1500);
  assert.is((await kernelLink(db, 'data1'))?.mtu, 1300, 'without enforce the agent reports drift but leaves it');
  assert.ok(Date.now() - changedAt >= 1500);

  // enforce: the new version itself puts the MTU back, and so does every later drift
  await fleet.applyPolicy(policy('db-mtu', spec(true)));
  await appliedAfter('db1', v1.desiredVersion);
  assert.is((await kernelLink(db, 'data1'))?.mtu, 1400);
  await run('ip', ['-n', db.ns.name, 'link', 'set', 'data1', 'mtu', '1300']);
  await waitFor(async () => (await kernelLink(db, 'data1'))?.mtu === 1400, 20_000, 'data1 MTU put back by the agent').catch((e) => {
    throw new Error(`${(e as Error).message}\n${db.agent?.output().split('\n').filter((l) => !l.includes('"msg":"command"')).slice(-25).join('\n')}`);
  });
  await waitFor(async () => {
    const v = await fleet.hostView('db1');
    return v.phase === 'Applied' && v.inSync === true;
  }, 10_000, 'db1 in sync again');
  assert.ok(syncs.some((s) => s.data.host === 'db1' && s.data.phase === 'Drifted' && s.data.version > v1.desiredVersion), 'the second drift was reported too');
});

test('9. a forged report (unknown version), a truncated event and a replayed event change nothing', async () => {
  const pick = (v: HostView) => ({
    phase: v.phase, inSync: v.inSync, desiredVersion: v.desiredVersion, appliedVersion: v.appliedVersion,
    reportedVersion: v.reportedVersion, results: v.results, lastError: v.lastError, sources: v.sources,
  });
  const before = pick(await fleet.hostView('web1'));
  const js = fleet.client.js;
  const subject = subjects.sync('web1');
  const forged = makeEvent(EventTypes.syncReported, 'fleetnet-agent/web1', subject, {
    host: 'web1', version: before.desiredVersion + 50, phase: 'Applied', inSync: true, results: [],
  });
  await js.publish(subject, encodeEvent(forged), { msgID: forged.id });
  const failed = makeEvent(EventTypes.syncReported, 'fleetnet-agent/web1', subject, {
    host: 'web1', version: before.desiredVersion, phase: 'Failed', inSync: false, error: { message: 'forged' },
  });
  const bytes = encodeEvent(failed);
  await js.publish(subject, bytes.slice(0, Math.floor(bytes.length / 2)), { msgID: `${failed.id}-truncated` });
  const old = syncs.find((s) => s.data.host === 'web1' && s.data.phase === 'Applying');
  assert.ok(old, 'an earlier Applying report of web1 to replay');
  // the same CloudEvent again under a new Nats-Msg-Id, so JetStream's dedup does not catch it first
  await js.publish(subject, old.raw, { msgID: `replay-${Date.now()}` });

  // a marker after them in the same stream: once it is folded, so are they
  const marker = makeEvent(EventTypes.hello, 'fleetnet-agent/marker', subjects.hello('marker'), {
    host: 'marker', agentVersion: 'test', labels: { role: 'marker' },
    facts: { nics: [], kernel: { release: 'test', capabilities: { bond: false, vlan: false, dummy: false, macvlan: false, vxlan: false, ovs: false } } },
  });
  await js.publish(subjects.hello('marker'), encodeEvent(marker), { msgID: marker.id });
  await waitFor(() => fleet.hostView('marker').then(() => true, () => false), 10_000, 'marker folded');
  assert.equal(pick(await fleet.hostView('web1')), before);
});

test('5. a change that cuts the host off NATS is rolled back: reachable again, RolledBack with the failing probe', async () => {
  const web2 = fleet.host('web2');
  const before = await fleet.hostView('web2');
  assert.is(before.reachable, true);
  await fleet.applyPolicy(policy('cut-web2', {
    hostSelector: { matchLabels: { 'kubernetes.io/hostname': 'web2' } },
    probes: { timeoutSeconds: 3 },
    // replaces the only address through which web2 reaches NATS
    desiredState: { interfaces: [{ name: 'up0', ipv4: { enabled: true, address: [{ ip: '10.251.0.13', 'prefix-length': 24 }] } }] },
  }));
  const rolledBack = await waitFor(async () => {
    const v = await fleet.hostView('web2');
    return v.desiredVersion > before.desiredVersion && v.reportedVersion === v.desiredVersion && v.phase === 'RolledBack' ? v : undefined;
  }, 30_000, 'web2 reports RolledBack', 200).catch(async (e) => {
    throw new Error(`${(e as Error).message}\n${logsOf('web2')}`);
  });
  assert.match(rolledBack.lastError?.probe ?? '', /nats/i, `the failing probe is the NATS round trip: ${JSON.stringify(rolledBack.lastError)}`);
  assert.is(rolledBack.appliedVersion, before.appliedVersion, 'the applied version stays the last good one');
  assert.equal(await addresses(web2, 'up0'), [web2.address], 'the uplink address is back');
  const sync = syncs.find((s) => s.data.host === 'web2' && s.data.phase === 'RolledBack');
  assert.ok(sync?.data.error?.probe, 'the sync report names the probe');
  await waitFor(async () => (await fleet.hostView('web2')).reachable, 15_000, 'web2 reachable (heartbeats flowing)');

  // the agent would retry the version with backoff; a newer version without the policy ends that
  await fleet.deletePolicy('cut-web2');
  const after = await appliedAfter('web2', rolledBack.desiredVersion, 60_000);
  assert.equal(after.sources, []);
  assert.equal(await addresses(web2, 'up0'), [web2.address]);
});

test.run();
