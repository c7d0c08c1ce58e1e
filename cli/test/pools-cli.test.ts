/**
 * fleetnet apply of an AddressPool, get pools / get pool -o json / describe pool, rollout recapture,
 * delete pool: the real CLI (child process) against a real nats-server and an in-process controller.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { encodeEvent, EventTypes, makeEvent, subjects, validateSchema, PoolView } from '@fleetnet/contracts';
import type { RunningController } from '../../services/controller/src/index.ts';
import { controller } from '../../services/controller/test/support.ts';
import { startNats, type NatsServer } from '../../test/support/nats.ts';
import { waitFor } from '../../test/support/ports.ts';
import { runCli } from './run-cli.ts';

let nats: NatsServer;
let ctl: RunningController;
let nc: NatsConnection;
let tmp: string;
const cli = (...args: string[]) => runCli(['--server', nats.url, ...args]);

test.before(async () => {
  nats = await startNats();
  ctl = await controller(nats.url);
  nc = await connect({ servers: nats.url });
  tmp = mkdtempSync(join(tmpdir(), 'fleetnet-pools-cli-'));
  const js = jetstream(nc);
  for (const host of ['pc1', 'pc2']) {
    const ev = makeEvent(EventTypes.hello, `agent/${host}`, subjects.hello(host), {
      host, agentVersion: 'test', labels: { lab: 'pools' },
      facts: { nics: [], kernel: { release: '6.1.0', capabilities: { bond: true, vlan: true, dummy: true, macvlan: true, vxlan: true, ovs: true } } },
    });
    await js.publish(subjects.hello(host), encodeEvent(ev), { msgID: ev.id });
  }
});
test.after(async () => {
  await nc?.drain();
  await ctl?.stop();
  await nats?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

test('apply -f pool.yaml + a templated policy; get pools, get pool -o json, describe pool', async () => {
  writeFileSync(join(tmp, 'pool.yaml'), `apiVersion: fleetnet.io/v1alpha1
kind: AddressPool
metadata:
  name: cli-lab
spec:
  cidr: 10.90.0.0/24
  range: { start: 10.90.0.10, end: 10.90.0.20 }
  gateway: 10.90.0.1
`);
  writeFileSync(join(tmp, 'policy.yaml'), `apiVersion: fleetnet.io/v1
kind: HostNetworkPolicy
metadata:
  name: cli-lab-addr
spec:
  hostSelector: { matchLabels: { lab: pools } }
  desiredState:
    interfaces:
      - name: eth1
        ipv4:
          enabled: true
          address: [{ ip: "{{ pools.cli-lab.ip }}", prefix-length: "{{ pools.cli-lab.prefix-length }}" }]
`);
  const applied = await cli('apply', '-f', join(tmp, 'pool.yaml'), '-f', join(tmp, 'policy.yaml'));
  assert.is(applied.code, 0, applied.stderr);
  assert.match(applied.stdout, 'pool/cli-lab published');
  await waitFor(() => Object.keys(ctl.projection.state.pools['cli-lab']?.allocations ?? {}).length === 2, 20_000, '2 allocations');
  const list = await cli('get', 'pools');
  assert.is(list.code, 0, list.stderr);
  assert.match(list.stdout, /cli-lab\s+10\.90\.0\.0\/24\s+10\.90\.0\.10-10\.90\.0\.20\s+10\.90\.0\.1\s+11\s+2\s+9/);
  const json = await cli('get', 'pool', 'cli-lab', '-o', 'json');
  assert.is(json.code, 0, json.stderr);
  const view = JSON.parse(json.stdout);
  assert.ok(validateSchema(PoolView, view).ok, 'the contracts\' PoolView');
  assert.equal(view.allocations.map((a: { host: string; address: string }) => `${a.host}=${a.address}`), ['pc1=10.90.0.10', 'pc2=10.90.0.11']);
  assert.ok(view.allocations.every((a: { since: string }) => !Number.isNaN(Date.parse(a.since))), 'since is a time');
  const described = await cli('describe', 'pool', 'cli-lab');
  assert.is(described.code, 0, described.stderr);
  assert.match(described.stdout, /Addresses:\s+11 \(2 allocated, 9 free\)/);
  assert.match(described.stdout, /10\.90\.0\.11\s+pc2/);
});

test('a pool file with a policy in it is refused, naming the file; nothing published', async () => {
  writeFileSync(join(tmp, 'mixed.yaml'), `apiVersion: fleetnet.io/v1alpha1
kind: AddressPool
metadata: { name: mixed }
spec: { cidr: 10.91.0.0/24 }
---
apiVersion: fleetnet.io/v1
kind: HostNetworkPolicy
metadata: { name: mixed }
spec: { desiredState: {} }
`);
  const r = await cli('apply', '-f', join(tmp, 'mixed.yaml'));
  assert.is(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stderr, 'mixed.yaml');
  assert.match(r.stderr, 'only AddressPools');
  const bad = await cli('apply', '-f', join(tmp, 'bad.yaml'), '--dry-run');
  assert.is(bad.code, 2);
  writeFileSync(join(tmp, 'v6.yaml'), 'apiVersion: fleetnet.io/v1alpha1\nkind: AddressPool\nmetadata: { name: v6 }\nspec: { cidr: "fd00::/64" }\n');
  const v6 = await cli('apply', '-f', join(tmp, 'v6.yaml'));
  assert.is(v6.code, 2);
  assert.match(v6.stderr, /v6\.yaml:\d+:\d+: spec\.cidr: .*IPv4/);
  assert.is(ctl.projection.state.pools.mixed, undefined);
});

test('rollout recapture and delete pool', async () => {
  const r = await cli('rollout', 'recapture', 'cli-lab-addr', 'pc1');
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, 'recapture requested for host pc1');
  await waitFor(() => ctl.projection.state.policies['cli-lab-addr']?.recaptures?.pc1 !== undefined, 10_000, 'recapture folded');
  const missing = await cli('rollout', 'recapture', 'no-such-policy');
  assert.is(missing.code !== 0, true);
  const d = await cli('delete', 'pool', 'cli-lab');
  assert.is(d.code, 0, d.stderr);
  await waitFor(() => ctl.projection.state.pools['cli-lab']?.deleted === true, 10_000, 'pool deleted');
  const gone = await cli('get', 'pool', 'cli-lab');
  assert.ok(gone.code !== 0, 'a deleted pool is not found');
});

test.run();
