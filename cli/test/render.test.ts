/**
 * `fleetnet render` as an operator runs it: offline, a policy (fleetnet's or nmstate's) plus a host's
 * current state in, the host's desired state out; errors as file:line:col, exit 1 when this host would
 * fail (CaptureFailed, no pool address) and 2 for bad input.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { runCli } from './run-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'fleetnet-render-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
test.after(() => rmSync(dir, { recursive: true, force: true }));

// Line 10 holds the default-gw capture; its expression starts at column 18.
const POLICY = file('bridge.yaml', `apiVersion: fleetnet.io/v1
kind: HostNetworkPolicy
metadata:
  name: uplink-bridge
spec:
  hostSelector:
    matchLabels:
      role: storage
  capture:
    default-gw: routes.running.destination == "0.0.0.0/0"
    base: interfaces.name == capture.default-gw.routes.running.0.next-hop-interface
    moved: capture.default-gw | routes.running.next-hop-interface := "br-up"
  desiredState:
    interfaces:
      - name: br-up
        type: linux-bridge
        state: up
        description: "uplink of {{ host.name }}, rack r3"
        mac-address: "{{ capture.base.interfaces.0.mac-address }}"
        ipv4: "{{ capture.base.interfaces.0.ipv4 }}"
        bridge:
          port:
            - name: "{{ capture.base.interfaces.0.name }}"
      - name: stor0
        type: linux-bridge
        state: up
        ipv4:
          enabled: true
          address:
            - ip: "{{ pools.storage.ip }}"
              prefix-length: "{{ pools.storage.prefix-length }}"
    routes:
      config: "{{ capture.moved.routes.running }}"
`);

// As \`fleetnet-agent show -o yaml\` prints it: kernel routes under routes.config.
const CURRENT = file('current.yaml', `interfaces:
  - name: eth0
    type: ethernet
    state: up
    mac-address: 02:00:00:00:00:07
    ipv4:
      enabled: true
      address:
        - ip: 198.51.100.7
          prefix-length: 24
  - name: eth1
    type: ethernet
    state: up
routes:
  config:
    - destination: 0.0.0.0/0
      next-hop-address: 198.51.100.1
      next-hop-interface: eth0
`);
const NO_ROUTES = file('no-routes.yaml', 'interfaces:\n  - name: eth0\n    type: ethernet\n');

const HOST = ['--host', 'node7', '--labels', 'role=storage,rack=r3', '--pool', 'storage=10.20.0.17/24,gw=10.20.0.1'];

const EXPECTED = {
  interfaces: [
    {
      name: 'br-up',
      type: 'linux-bridge',
      state: 'up',
      description: 'uplink of node7, rack r3',
      'mac-address': '02:00:00:00:00:07',
      ipv4: { enabled: true, address: [{ ip: '198.51.100.7', 'prefix-length': 24 }] },
      bridge: { port: [{ name: 'eth0' }] },
    },
    { name: 'stor0', type: 'linux-bridge', state: 'up', ipv4: { enabled: true, address: [{ ip: '10.20.0.17', 'prefix-length': 24 }] } },
  ],
  routes: { config: [{ destination: '0.0.0.0/0', 'next-hop-address': '198.51.100.1', 'next-hop-interface': 'br-up' }] },
};

test('a HostNetworkPolicy with captures, host values and a pool renders to the host\'s desired state (YAML and JSON)', async () => {
  const r = await runCli(['render', '-f', POLICY, '--current', CURRENT, ...HOST]);
  assert.is(r.code, 0, r.stderr);
  assert.equal(parse(r.stdout), EXPECTED);
  assert.is(r.stderr, '');
  const j = await runCli(['render', '-f', POLICY, '--current', CURRENT, ...HOST, '-o', 'json']);
  assert.is(j.code, 0, j.stderr);
  assert.equal(JSON.parse(j.stdout), EXPECTED);
});

test('an nmstate policy file (top-level capture + desiredState, as nmstatectl policy takes) renders too', async () => {
  const nm = file('nmstate.yml', `capture:
  gw: routes.running.destination=="0.0.0.0/0"
  gw-iface: interfaces.name==capture.gw.routes.running.0.next-hop-interface
  ethernets: interfaces.type=="ethernet"
  others: capture.ethernets | interfaces.name =~ "^eth[1-9]$"
  down: capture.others | interfaces.state := "down"
desiredState:
  interfaces: "{{ capture.down.interfaces }}"
  routes:
    config:
      - destination: 203.0.113.0/24
        next-hop-interface: "{{ capture.gw-iface.interfaces.0.name }}"
        next-hop-address: 198.51.100.9
`);
  const r = await runCli(['render', '-f', nm, '--current', CURRENT]);
  assert.is(r.code, 0, r.stderr);
  assert.equal(parse(r.stdout), {
    interfaces: [{ name: 'eth1', type: 'ethernet', state: 'down' }],
    routes: { config: [{ destination: '203.0.113.0/24', 'next-hop-interface': 'eth0', 'next-hop-address': '198.51.100.9' }] },
  });
});

test('a capture that matches nothing: exit 1, file:line:col on the failing part of the expression', async () => {
  const r = await runCli(['render', '-f', POLICY, '--current', NO_ROUTES, ...HOST]);
  assert.is(r.code, 1, r.stderr);
  const col = 'default-gw: '.length + 4 + 1 + 'routes.running.'.length;
  assert.match(r.stderr, `${POLICY}:10:${col}: spec.capture.default-gw: no route with destination == "0.0.0.0/0" (the current state has no routes) (column 16 of "routes.running.destination == \\"0.0.0.0/0\\"")`);
  assert.match(r.stderr, /error: CaptureFailed: host node7 would get nothing from /);
  assert.is(r.stdout, '');
});

test('a broken capture or template is invalid input: exit 2 with file:line:col', async () => {
  const broken = file('broken.yaml', `capture:
  gw: routes.running.destination = "0.0.0.0/0"
desiredState:
  interfaces:
    - name: "{{ capture.gw.routes.running.0.next-hop-interface"
      mtu: 9000
`);
  const r = await runCli(['render', '-f', broken, '--current', CURRENT]);
  assert.is(r.code, 2, r.stderr);
  assert.match(r.stderr, `${broken}:2:`);
  assert.match(r.stderr, `${broken}:5:13: desiredState.interfaces[0].name: is not a valid {{ }} reference`);
  const unknown = file('unknown.yaml', 'capture: {}\ndesiredState: {}\nextra: 1\n');
  const u = await runCli(['render', '-f', unknown]);
  assert.is(u.code, 2, u.stderr);
  assert.match(u.stderr, `${unknown}:3:1: extra: unknown field "extra"`);
});

test('an nmstate policy may carry its current state (nmstate\'s current:), used when --current is not given', async () => {
  const p = file('with-current.yml', `capture:
  up: interfaces.state == "up"
desiredState:
  interfaces:
    - name: "{{ capture.up.interfaces.0.name }}"
      mtu: 9000
current:
  interfaces:
    - { name: ens9, type: ethernet, state: up }
`);
  const r = await runCli(['render', '-f', p]);
  assert.is(r.code, 0, r.stderr);
  assert.equal(parse(r.stdout), { interfaces: [{ name: 'ens9', mtu: 9000 }] });
});

test('a capture syntax error points at the column inside the expression', async () => {
  const bad = file('bad-capture.yaml', 'capture:\n  gw: routes.running.destination = "0.0.0.0/0"\ndesiredState: {}\n');
  const r = await runCli(['render', '-f', bad, '--current', CURRENT]);
  assert.is(r.code, 2, r.stderr);
  assert.match(r.stderr, `${bad}:2:${'  gw: '.length + 'routes.running.destination '.length + 1}: capture.gw: expected "==" or "=~" here`);
});

test('a pool the host has no address from: exit 1 naming the pool and where it is used', async () => {
  const r = await runCli(['render', '-f', POLICY, '--current', CURRENT, '--host', 'node7', '--labels', 'role=storage,rack=r3']);
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, `${POLICY}:30:`);
  assert.match(r.stderr, 'spec.desiredState.interfaces[1].ipv4.address[0].ip: no address from pool "storage" for this host');
  assert.match(r.stderr, 'error: PoolMissing');
});

test('the rendered state is validated strictly: a label that makes a bad interface name', async () => {
  const p = file('named.yaml', 'desiredState:\n  interfaces:\n    - name: "vm-{{ host.labels.rack }}"\n      type: linux-bridge\n');
  const r = await runCli(['render', '-f', p, '--host', 'n1', '--labels', 'rack=a-rack-name-too-long']);
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, `${p}:3:13: desiredState.interfaces[0].name:`);
  assert.match(r.stderr, 'error: Invalid:');
});

test('a host the policy does not select gets a warning, and --facts feeds {{ host.facts }}', async () => {
  const facts = file('facts.yaml', 'nics:\n  - name: ens3\n    mac: 02:00:00:00:00:33\nkernel:\n  release: 6.1.0\n  capabilities: { bond: true, vlan: true, dummy: true, macvlan: true, vxlan: true, ovs: false }\n');
  const p = file('facts-policy.yaml', `apiVersion: fleetnet.io/v1
kind: HostNetworkPolicy
metadata: { name: first-nic }
spec:
  hostSelector: { matchLabels: { role: compute } }
  desiredState:
    interfaces:
      - name: "{{ host.facts.nics.0.name }}"
        mtu: 9000
`);
  const r = await runCli(['render', '-f', p, '--host', 'n2', '--labels', 'role=storage', '--facts', facts]);
  assert.is(r.code, 0, r.stderr);
  assert.equal(parse(r.stdout), { interfaces: [{ name: 'ens3', mtu: 9000 }] });
  assert.match(r.stderr, 'warning: policy first-nic does not select a host with labels role=storage');
});

test('--current may be a host view (fleetnet get host NAME -o json): its actual state, name, labels and facts', async () => {
  const view = {
    name: 'node9', labels: { role: 'storage', rack: 'r5' }, desiredVersion: 3, appliedVersion: 3, reportedVersion: 3, phase: 'Applied',
    inSync: true, results: [], sources: [], conditions: [], reachable: true, retired: false, updatedAt: '2026-11-30T05:00:00Z',
    facts: { nics: [{ name: 'eth0', mac: '02:00:00:00:00:07' }], kernel: { release: '6.1.0', capabilities: { bond: true, vlan: true, dummy: true, macvlan: true, vxlan: true, ovs: true } } },
    actual: parse(`interfaces:\n  - { name: eth0, type: ethernet, state: up, mac-address: 02:00:00:00:00:07, ipv4: { enabled: true, address: [ { ip: 198.51.100.7, prefix-length: 24 } ] } }\n  - { name: eth1, type: ethernet, state: up }\nroutes:\n  config:\n    - { destination: 0.0.0.0/0, next-hop-address: 198.51.100.1, next-hop-interface: eth0 }\n`),
  };
  const hv = file('node9.json', JSON.stringify(view));
  const r = await runCli(['render', '-f', POLICY, '--current', hv, '--pool', 'storage=10.20.0.17/24']);
  assert.is(r.code, 0, r.stderr);
  const got = parse(r.stdout);
  assert.is(got.interfaces[0].description, 'uplink of node9, rack r3');
  assert.is(got.interfaces[0].bridge.port[0].name, 'eth0');
  const other = await runCli(['render', '-f', POLICY, '--current', hv, '--labels', 'role=compute', '--pool', 'storage=10.20.0.17/24']);
  assert.is(other.code, 0, other.stderr);
  assert.match(other.stderr, 'warning: policy uplink-bridge does not select a host with labels role=compute');
  const silent = file('silent.json', JSON.stringify({ ...view, actual: undefined }));
  const s = await runCli(['render', '-f', POLICY, '--current', silent]);
  assert.is(s.code, 2, s.stderr);
  assert.match(s.stderr, 'host node9 has not reported its state yet');
});

test('usage errors: captures without --current, a bad --pool, --labels without --host, a broken current file', async () => {
  const noCurrent = await runCli(['render', '-f', POLICY, ...HOST]);
  assert.is(noCurrent.code, 2, noCurrent.stderr);
  assert.match(noCurrent.stderr, 'has captures: give the host\'s current state with --current FILE');
  const pool = await runCli(['render', '-f', POLICY, '--current', CURRENT, '--host', 'h', '--pool', 'storage=10.20.0.300/24']);
  assert.is(pool.code, 2, pool.stderr);
  assert.match(pool.stderr, '--pool storage: "10.20.0.300" is not an IP address');
  const prefix = await runCli(['render', '-f', POLICY, '--current', CURRENT, '--host', 'h', '--pool', 'storage=10.20.0.3/33']);
  assert.match(prefix.stderr, 'prefix length 33 is too long for IPv4');
  const labels = await runCli(['render', '-f', POLICY, '--current', CURRENT, '--labels', 'a=b']);
  assert.is(labels.code, 2, labels.stderr);
  assert.match(labels.stderr, '--labels and --facts describe a host: give --host NAME too');
  const yamlErr = file('bad.yaml', 'interfaces:\n  - name: [eth0\n');
  const y = await runCli(['render', '-f', POLICY, '--current', yamlErr, ...HOST]);
  assert.is(y.code, 2, y.stderr);
  assert.match(y.stderr, `${yamlErr}:`);
  const missing = await runCli(['render', '-f', join(dir, 'nope.yaml')]);
  assert.is(missing.code, 2, missing.stderr);
  assert.match(missing.stderr, 'no such file');
});

test.run();
