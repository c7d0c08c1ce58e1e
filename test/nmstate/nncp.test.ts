/**
 * kubernetes-nmstate policies: `fleetnet convert --from nncp` and `fleetnet apply` taking an NNCP
 * directly, with `--dry-run` (everything checked locally, nothing published, no server contacted:
 * FLEETNET_SERVER points at a port nothing listens on). The documents are this project's own.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

const bin = new URL('../../cli/bin/fleetnet.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'fleetnet-nncp-'));
const NO_SERVER = { FLEETNET_SERVER: 'nats://127.0.0.1:9', NO_COLOR: '1' };

function cli(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', input, env: { ...process.env, ...NO_SERVER } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

const TWO = `apiVersion: nmstate.io/v1
kind: NodeNetworkConfigurationPolicy
metadata:
  name: storage.vlan-40
spec:
  nodeSelector:
    rack: r12
    node-role.kubernetes.io/worker: ""
  maxUnavailable: 25%
  desiredState:
    interfaces:
      - name: ens5.40
        type: vlan
        state: up
        vlan: {base-iface: ens5, id: 40}
        ipv4: {enabled: true, address: [{ip: 10.40.0.12, prefix-length: 24}]}
---
apiVersion: nmstate.io/v1beta1
kind: NodeNetworkConfigurationPolicy
metadata:
  name: gw-bridge
spec:
  maxUnavailable: 0
  capture:
    gw: routes.running.destination=="0.0.0.0/0"
  desiredState:
    interfaces:
      - name: br-gw
        type: linux-bridge
        state: up
        bridge:
          options: {stp: {enabled: false}}
          port:
            - name: "{{ capture.gw.routes.running.0.next-hop-interface }}"
`;

test('convert: two documents (v1 and v1beta1): selector, maxUnavailable, capture carried; notes for what differs', () => {
  const r = cli(['convert', '--from', 'nncp', file('two.yaml', TWO), '-o', 'json']);
  assert.is(r.code, 0, r.stderr);
  const { policies, unsupported } = JSON.parse(r.stdout);
  assert.equal(policies.map((p: any) => p.metadata.name), ['storage-vlan-40', 'gw-bridge']);
  assert.equal(policies[0].spec.hostSelector, { matchLabels: { rack: 'r12', 'node-role.kubernetes.io/worker': '' } });
  assert.equal(policies[0].spec.rollout, { maxUnavailable: '25%' });
  assert.equal(policies[1].spec.rollout, { maxUnavailable: 1 });
  assert.equal(policies[1].spec.capture, { gw: 'routes.running.destination=="0.0.0.0/0"' });
  assert.is(policies[1].metadata.annotations['fleetnet.io/converted-from'], 'NodeNetworkConfigurationPolicy/gw-bridge');
  const text = unsupported.join('\n');
  assert.match(text, /name "storage\.vlan-40" renamed to "storage-vlan-40"/);
  assert.match(text, /spec\.maxUnavailable: 0 becomes 1/);
  assert.match(text, /spec\.desiredState\.interfaces\[0\]: kubernetes-nmstate would also make \{\{ capture\.gw\.routes\.running\.0\.next-hop-interface \}\} VLAN-filtering trunk ports 2-4094 .*not reproduced/);
});

test('convert: kubectl get nncp -o yaml (a List) from stdin; a NodeNetworkState is refused by name', () => {
  const list = `apiVersion: v1\nkind: List\nitems:\n  - apiVersion: nmstate.io/v1\n    kind: NodeNetworkConfigurationPolicy\n    metadata: {name: dns-only, uid: 1d2c}\n    spec:\n      desiredState:\n        dns-resolver: {config: {server: [198.51.100.53], options: [rotate]}}\n    status: {conditions: []}\n`;
  const r = cli(['convert', '--from', 'nncp', '-'], list);
  assert.is(r.code, 0, r.stderr);
  const docs = parseAllDocuments(r.stdout).map((d) => d.toJS());
  assert.equal(docs.map((d) => d?.metadata?.name), ['dns-only']);
  assert.equal(docs[0].spec.desiredState['dns-resolver'].config.options, ['rotate']);
  assert.match(r.stderr, /items\[0\]\.status: reported status, not intent; not converted/);
  const nns = cli(['convert', '--from', 'nncp', '-'], 'apiVersion: nmstate.io/v1beta1\nkind: NodeNetworkState\nmetadata: {name: n1}\n');
  assert.is(nns.code, 2);
  assert.match(nns.stderr, /kind: NodeNetworkState is a node's reported state .*not converted/);
});

test('apply --dry-run of an NNCP: converted on the fly (one stderr line), printed, nothing published, no server needed', () => {
  const r = cli(['apply', '--dry-run', '-f', file('two-apply.yaml', TWO)]);
  assert.is(r.code, 0, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.match(lines[0]!, /two-apply\.yaml: kubernetes-nmstate NodeNetworkConfigurationPolicy converted to HostNetworkPolicy on the fly \(3 notes: fleetnet convert --from nncp .*two-apply\.yaml\)/);
  assert.is(lines.at(-1), 'dry run: 2 policies valid; nothing published');
  assert.match(r.stdout, /# policy\/storage-vlan-40 would be published on fleetnet\.intent\.policy\.storage-vlan-40 \(\d+ bytes\)/);
  assert.match(r.stdout, /# policy\/gw-bridge would be published on fleetnet\.intent\.policy\.gw-bridge/);
  const docs = parseAllDocuments(r.stdout).map((d) => d.toJS());
  assert.equal(docs.map((d) => d.kind), ['HostNetworkPolicy', 'HostNetworkPolicy']);
});

test('apply --dry-run refuses an nmstate feature fleetnet does not do, by name, at its line; exit 2', () => {
  const doc = `apiVersion: nmstate.io/v1
kind: NodeNetworkConfigurationPolicy
metadata: {name: ethtool-on}
spec:
  desiredState:
    interfaces:
      - name: ens5
        type: ethernet
        ethtool:
          feature: {rx-checksum: false}
`;
  const p = file('ethtool.yaml', doc);
  const r = cli(['apply', '--dry-run', '-f', p]);
  assert.is(r.code, 2);
  assert.match(r.stderr, new RegExp(`${p.replace(/[.]/g, '\\.')}:9:9: spec\\.desiredState\\.interfaces\\[0\\]\\.ethtool: not supported by fleetnet: ethtool settings \\(ethtool\\)`));
  assert.not.match(r.stdout, /would be published/);
});

test('apply --dry-run of a HostNetworkPolicy and a bad maxUnavailable in an NNCP', () => {
  const policy = `apiVersion: fleetnet.io/v1\nkind: HostNetworkPolicy\nmetadata: {name: rules}\nspec:\n  desiredState:\n    route-rules:\n      config:\n        - {ip-from: 192.0.2.0/24, route-table: 120}\n`;
  const ok = cli(['apply', '--dry-run', '-f', file('policy.yaml', policy)]);
  assert.is(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /# policy\/rules would be published/);
  const bad = cli(['apply', '--dry-run', '-f', file('bad.yaml', 'apiVersion: nmstate.io/v1\nkind: NodeNetworkConfigurationPolicy\nmetadata: {name: x}\nspec:\n  maxUnavailable: half\n  desiredState: {}\n')]);
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /bad\.yaml:5:19: spec\.maxUnavailable: "half" is not a node count or a percentage from 1% to 100%/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
