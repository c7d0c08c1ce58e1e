import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPolicies, validatePolicy, type HostNetworkPolicy, type Interface } from '@fleetnet/contracts';
import { convertOvirt } from '../src/convert/ovirt.ts';
import { convertHostPlumber } from '../src/convert/hostplumber.ts';
import { convertText } from '../src/commands/convert.ts';
import { fixtures, runCli, type CliResult } from './run-cli.ts';

/** Every example of the two reference documents, converted by the real CLI, re-read by the policy loader. */
const files = readdirSync(fixtures).filter((f) => /^(ovirt|hostplumber)-.*\.yaml$/.test(f)).sort();
const from = (f: string) => (f.startsWith('ovirt') ? 'ovirt' : 'hostplumber');
const runs = new Map<string, Promise<CliResult>>();
test.before(() => {
  for (const f of files) runs.set(f, runCli(['convert', '--from', from(f), join('cli/test/fixtures', f)]));
});

const iface = (p: HostNetworkPolicy, name: string): Interface => {
  const i = p.spec.desiredState.interfaces?.find((x) => x.name === name);
  assert.ok(i, `interface ${name} in ${p.metadata.name}`);
  return i!;
};

test('every reference example is a fixture (2 oVirt, 8 HostPlumber)', () => {
  assert.is(files.filter((f) => f.startsWith('ovirt')).length, 2);
  assert.is(files.filter((f) => f.startsWith('hostplumber')).length, 8);
});

for (const f of files) {
  test(`convert --from ${from(f)} ${f}: output loads as valid policies`, async () => {
    const r = await runs.get(f)!;
    if (f === 'hostplumber-hostnetwork-status.yaml') {
      // A read-only status report holds no intent: said so, exit 2, nothing printed as a policy.
      assert.is(r.code, 2, r.stderr);
      assert.match(r.stderr, 'HostNetwork is HostPlumber\'s read-only status report');
      assert.match(r.stderr, 'error: nothing in');
      assert.is(r.stdout, '');
      return;
    }
    assert.is(r.code, 0, r.stderr);
    const loaded = loadPolicies(r.stdout, f);
    assert.equal(loaded.errors, [], JSON.stringify(loaded.errors));
    assert.ok(loaded.policies.length >= 1);
    for (const { policy } of loaded.policies) assert.ok(validatePolicy(policy).ok);
    // The unsupported list printed on stderr is also kept as comments in the output.
    for (const w of r.stderr.split('\n').filter((l) => l.startsWith('warning: '))) {
      assert.ok(r.stdout.includes(`#   ${w.slice('warning: '.length)}`), w);
    }
  });
}

test('oVirt spec: bond mode 4 → 802.3ad with miimon, VM network → bridge with STP, DHCP and DNS', async () => {
  const r = await runs.get('ovirt-spec-node1.yaml')!;
  const [p] = loadPolicies(r.stdout, 'x').policies.map((x) => x.policy);
  assert.is(p!.metadata.name, 'ovirt-node1');
  assert.equal(p!.spec.hostSelector, { matchLabels: { 'kubernetes.io/hostname': 'node1' } });
  assert.equal(iface(p!, 'bond1')['link-aggregation'], { mode: '802.3ad', port: ['eth0', 'eth1'], options: { miimon: 100 } });
  const br = iface(p!, 'net1');
  assert.is(br.type, 'linux-bridge');
  assert.equal(br.bridge, { options: { stp: { enabled: true } }, port: [{ name: 'bond1' }] });
  assert.is(br.mtu, 1500);
  assert.equal(br.ipv4, { enabled: true, dhcp: true });
  assert.equal(p!.spec.desiredState['dns-resolver'], { config: { server: ['1.1.1.1', '2.2.2.2'] } });
  assert.is(r.stderr, '', 'everything in this example is expressible');
});

test('oVirt report list: the empty host and the reported state are listed, node1 gets VLAN 10 and a static address', async () => {
  const r = await runs.get('ovirt-report-list.yaml')!;
  assert.match(r.stderr, 'items[0].spec: host master declares no networks or bondings; no policy generated');
  assert.match(r.stderr, 'items[0].state: reported state, not intent');
  assert.match(r.stderr, 'items[1].state: reported state, not intent');
  const policies = loadPolicies(r.stdout, 'x').policies.map((x) => x.policy);
  assert.is(policies.length, 1);
  const p = policies[0]!;
  assert.equal(iface(p, 'bond1.10').vlan, { 'base-iface': 'bond1', id: 10 });
  assert.is(iface(p, 'bond1.10').mtu, 1490);
  assert.equal(iface(p, 'net1').bridge?.port, [{ name: 'bond1.10' }]);
  assert.equal(iface(p, 'net1').ipv4, { enabled: true, address: [{ ip: '10.10.10.2', 'prefix-length': 24 }] });
  assert.equal(iface(p, 'bond1')['link-aggregation']?.port, ['dummy_1']);
});

test('HostPlumber comprehensive: selector, SR-IOV on eno2, three VLANs, OVS bridge on eno2.1000', async () => {
  const r = await runs.get('hostplumber-comprehensive.yaml')!;
  const [p] = loadPolicies(r.stdout, 'x').policies.map((x) => x.policy);
  assert.equal(p!.spec.hostSelector, { matchLabels: { 'feature.node.kubernetes.io/network-sriov.capable': 'true', foo: 'bar' } });
  const eno2 = iface(p!, 'eno2');
  assert.is(eno2.mtu, 9000);
  assert.equal(eno2.ethernet, { 'sr-iov': { 'total-vfs': 4, 'fleetnet.io/vf-driver': 'i40evf' } });
  for (const id of [1000, 1001, 1002]) assert.equal(iface(p!, `eno2.${id}`).vlan, { 'base-iface': 'eno2', id });
  assert.equal(iface(p!, 'ovs-br01'), { name: 'ovs-br01', type: 'ovs-bridge', state: 'up', bridge: { port: [{ name: 'eno2.1000' }] } });
});

test('HostPlumber SR-IOV by PCI address and by vendor/device use fleetnet.io/match', async () => {
  const pci = loadPolicies((await runs.get('hostplumber-sriov-pciaddr.yaml')!).stdout, 'x').policies[0]!.policy;
  const matches = pci.spec.desiredState.interfaces!.map((i) => i['fleetnet.io/match']?.['pci-address']);
  assert.equal(matches, ['0000:03:00.0', '0000:03:00.1']);
  assert.ok(pci.spec.desiredState.interfaces!.every((i) => i.ethernet?.['sr-iov']?.['total-vfs'] === 32));
  const vd = loadPolicies((await runs.get('hostplumber-sriov-vendor-device.yaml')!).stdout, 'x').policies[0]!.policy;
  assert.equal(vd.spec.desiredState.interfaces![0]!['fleetnet.io/match'], { 'vendor-id': '8086', 'device-id': '1528' });
  assert.is(vd.metadata.name, 'HostNetworkTemplate-1528-dev');
  const two = loadPolicies((await runs.get('hostplumber-sriov-pfname.yaml')!).stdout, 'x').policies.map((x) => x.policy.metadata.name);
  assert.equal(two, ['sriovconfig-enp3s0f1', 'sriovconfig-enp3s0f0']);
});

test('HostPlumber addresses: IPv4 and IPv6 lists, hostname selector', async () => {
  const p = loadPolicies((await runs.get('hostplumber-ip-addresses.yaml')!).stdout, 'x').policies[0]!.policy;
  assert.equal(p.spec.hostSelector, { matchLabels: { 'kubernetes.io/hostname': '10.128.237.204' } });
  const i = iface(p, 'enp3s0f1');
  assert.equal(i.ipv4?.address, [{ ip: '192.168.195.7', 'prefix-length': 24 }, { ip: '192.168.196.8', 'prefix-length': 24 }]);
  assert.equal(i.ipv6?.address, [{ ip: 'fc00:1::3', 'prefix-length': 112 }]);
  assert.is(i.mtu, 9000);
});

test('what cannot be expressed is listed, never dropped: unknown fields, cluster roles, custom options, renames', () => {
  const ov = convertOvirt({
    apiVersion: 'ovirt.org/v1alpha1', kind: 'OvirtHostNetwork', metadata: { name: 'h.1' },
    spec: {
      networks: [{ network: { name: 'mgmt', usages: { usage: ['vm', 'migration'] }, qos: { x: 1 } }, hostNic: { name: 'eth0' } }],
      bondings: [{ name: 'bond0', bonding: { options: { option: [{ name: 'mode', value: '1' }, { name: 'custom', value: 'x=y' }] }, slaves: { hostNic: [{ name: 'eth1' }, { name: 'eth2' }] } } }],
      labels: ['x'],
    },
  });
  assert.is(ov.policies.length, 1);
  assert.is(ov.policies[0]!.metadata.name, 'ovirt-h-1');
  const text = ov.unsupported.join('\n');
  assert.match(text, 'spec.networks[0].network.usages: usage "migration"');
  assert.match(text, 'spec.networks[0].network.qos: has no fleetnet equivalent');
  assert.match(text, 'custom bonding option "x=y"');
  assert.match(text, 'spec.labels: has no fleetnet equivalent');
  assert.match(text, 'renamed to "ovirt-h-1"');
  assert.is(ov.policies[0]!.spec.desiredState.interfaces!.find((i) => i.name === 'bond0')!['link-aggregation']!.mode, 'active-backup');

  const hp = convertHostPlumber({
    kind: 'HostNetworkTemplate', metadata: { name: 't' },
    spec: { interfaceConfig: [{ name: 'eth0', vlan: [{ id: 10 }], ipv4: { address: ['fc00::1/64'] }, dhcp: true }], dpdkConfig: {} },
  });
  const t = hp.unsupported.join('\n');
  assert.match(t, 'spec.dpdkConfig: has no fleetnet equivalent');
  assert.match(t, 'spec.interfaceConfig[0].dhcp: has no fleetnet equivalent');
  assert.match(t, 'spec.interfaceConfig[0].ipv4.address[0]: "fc00::1/64" is not an IPv4 address/prefix');
  assert.is(hp.policies.length, 1);
});

test('convert: bad YAML is exit 2 with file:line:col, wrong --from is exit 2', async () => {
  assert.throws(() => convertText('ovirt', 'a: [1, 2\n', 'f.yaml'), (e: Error & { preamble?: string[]; lines?: string[] }) => /f\.yaml:/.test((e.lines ?? []).join('\n')));
  const r = await runCli(['convert', '--from', 'nmstate', 'cli/test/fixtures/ovirt-spec-node1.yaml']);
  assert.is(r.code, 2);
  assert.match(r.stderr, '--from must be ovirt, hostplumber or nncp');
  const j = await runCli(['convert', '--from', 'ovirt', '-o', 'json', '-'], { input: readFileSync(join(fixtures, 'ovirt-spec-node1.yaml'), 'utf8') });
  assert.is(j.code, 0, j.stderr);
  const parsed = JSON.parse(j.stdout) as { policies: unknown[]; unsupported: string[] };
  assert.is(parsed.policies.length, 1);
  assert.ok(validatePolicy(parsed.policies[0]).ok);
});

test.run();
