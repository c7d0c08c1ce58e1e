/**
 * `file:line:col` of YAML errors: syntax errors where the parser (or the opening quote/bracket) is,
 * schema and semantic errors mapped back into the right document: an unknown key at the key, a
 * wrong value at the value, a missing field at its parent.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatSourceError, loadNetworkState, loadPolicies } from '../src/index.ts';

/** Lines joined with "\n"; the numbers in the comments are the line numbers the assertions use. */
const lines = (...xs: string[]) => `${xs.join('\n')}\n`;

const MULTI = lines(
  'apiVersion: fleetnet.io/v1', //  1
  'kind: HostNetworkPolicy', //     2
  'metadata:', //                   3
  '  name: good', //                4
  'spec:', //                       5
  '  desiredState:', //             6
  '    interfaces:', //             7
  '      - name: eth0', //          8
  '        mtu: 1500', //           9
  '---', //                        10
  'apiVersion: fleetnet.io/v1', // 11
  'kind: HostNetworkPolicy', //    12
  'metadata:', //                  13
  '  name: second', //             14
  'spec:', //                      15
  '  priority: 10', //             16
  '  desiredState:', //            17
  '    interfaces:', //            18
  '      - name: eth0', //         19
  '        mtu: 10', //            20  wrong value: column of "10"
  '        colour: blue', //       21  unknown key: column of "colour"
  '      - name: v10', //          22
  '        type: vlan', //         23
  '        vlan:', //              24
  '          base-iface: eth0', // 25
  '          id: 4095', //         26  wrong value: column of "4095"
  '---', //                        27
  'apiVersion: fleetnet.io/v1', // 28
  'kind: HostNetworkPolicy', //    29
  'metadata:', //                  30
  '  name: third', //              31
  'spec:', //                      32  missing desiredState: the parent key "spec"
  '  rollout:', //                 33
  '    maxUnavailable: 1', //      34
);

test('multi-document policy file: every error names its document, line and column', () => {
  const r = loadPolicies(MULTI, 'policies.yaml');
  assert.equal(r.policies.map((p) => [p.policy.metadata.name, p.document]), [['good', 0]]);
  assert.equal(r.errors.map(formatSourceError), [
    'policies.yaml:20:14: spec.desiredState.interfaces[0].mtu: must be at least 68, got 10 (MTU in bytes, 68..65536 (the kernel allows 65536 on loopback))',
    'policies.yaml:21:9: spec.desiredState.interfaces[0].colour: unknown field "colour"',
    'policies.yaml:26:15: spec.desiredState.interfaces[1].vlan.id: must be at most 4094, got 4095 (802.1Q VLAN id 1..4094)',
    'policies.yaml:32:1: spec.desiredState: is required',
  ]);
  assert.equal(r.errors.map((e) => e.document), [1, 1, 1, 2]);
});

test('semantic errors map back to lines too (value of a duplicate name, a list item, a base interface)', () => {
  const text = lines(
    'interfaces:', //                1
    '  - name: eth1', //             2
    '    state: absent', //          3
    '  - name: eth0', //             4
    '  - name: eth0', //             5  duplicate: column of the second "eth0"
    '  - name: v10', //              6
    '    type: vlan', //             7
    '    vlan:', //                  8
    '      base-iface: eth1', //     9  base absent: column of "eth1"
    '      id: 10', //              10
    'routes:', //                   11
    '  config:', //                 12
    '    - destination: 10.0.0.0/8', // 13  no next hop: the list item
    '      metric: 5', //           14
  );
  assert.equal(loadNetworkState(text, 'state.yaml').errors.map(formatSourceError), [
    'state.yaml:5:11: interfaces[2].name: duplicate interface "eth0" (also at interfaces[1])',
    'state.yaml:9:19: interfaces[3].vlan.base-iface: base interface "eth1" is marked absent in this document',
    'state.yaml:13:7: routes.config[0]: a route needs next-hop-address or next-hop-interface',
  ]);
});

test('a wrong value that is a block mapping points at its key; a flow value at the value itself', () => {
  const text = lines(
    'interfaces:', //                          1
    '  name: eth0', //                         2
  );
  assert.equal(loadNetworkState(text, 's.yaml').errors.map(formatSourceError), ['s.yaml:1:1: interfaces: must be a list, got a mapping']);
  const flow = lines(
    'interfaces:', //                                                 1
    '  - {name: v10, type: vlan, vlan: {base-iface: eth0, id: 0}}', // 2  column of the "0"
  );
  assert.equal(loadNetworkState(flow, 's.yaml').errors.map(formatSourceError), ['s.yaml:2:58: interfaces[0].vlan.id: must be at least 1, got 0 (802.1Q VLAN id 1..4094)']);
});

test('a key without a value points at the key; a missing field in a list item at the item', () => {
  const text = lines(
    'interfaces:', //      1
    '  - name: eth0', //   2
    '    mtu:', //         3  null: nothing to point at but the key
    '  - mtu: 1500', //    4  no name: the item starts at "mtu"
  );
  assert.equal(loadNetworkState(text, 's.yaml').errors.map(formatSourceError), [
    's.yaml:3:5: interfaces[0].mtu: must be an integer, got null',
    's.yaml:4:5: interfaces[1].name: is required',
  ]);
});

test('an unknown key at the top of a document points at the key', () => {
  const text = lines(
    'interfaces: []', // 1
    'dns:', //           2
    '  server: [10.0.0.53]', // 3
  );
  assert.equal(loadNetworkState(text, 's.yaml').errors.map(formatSourceError), ['s.yaml:2:1: dns: unknown field "dns"']);
});

test('a syntax error in one document: its line in the whole file; valid documents still load', () => {
  const text = `${MULTI.split('---\n')[0]}---\n${lines(
    'apiVersion: fleetnet.io/v1', // 11
    'kind: HostNetworkPolicy', //    12
    'metadata:', //                  13
    '\tname: tabbed', //             14
  )}`;
  const r = loadPolicies(text, 'p.yaml');
  assert.equal(r.errors.map(formatSourceError), ['p.yaml:14:1: tabs are not allowed for indentation in YAML; use spaces']);
  assert.equal(r.errors.map((e) => e.document), [1]);
  assert.equal(r.policies.map((p) => p.policy.metadata.name), ['good']);
});

test('a duplicate key in the third document', () => {
  const text = `${MULTI.split('---\n')[0]}---\n${MULTI.split('---\n')[0]!.replace('good', 'other')}---\n${lines(
    'apiVersion: fleetnet.io/v1', // 21
    'kind: HostNetworkPolicy', //    22
    'kind: HostNetworkPolicy', //    23
  )}`;
  const r = loadPolicies(text, 'p.yaml');
  assert.equal(r.errors.map(formatSourceError), ['p.yaml:23:1: duplicate key "kind": a key may appear only once in a mapping']);
  assert.equal(r.errors.map((e) => e.document), [2]);
});

test('an unclosed quote in a later document points at where the string opened', () => {
  const text = `${MULTI.split('---\n')[0]}---\n${lines(
    'apiVersion: fleetnet.io/v1', // 11
    "kind: 'HostNetworkPolicy", //   12  column of the quote
    'metadata:', //                  13
    '  name: x', //                  14
  )}`;
  assert.equal(loadPolicies(text, 'p.yaml').errors.map(formatSourceError), ["p.yaml:12:7: unclosed ' quote: the string that starts here never ends"]);
});

test('positions are 1-based and the file name is the one given', () => {
  const r = loadNetworkState('bogus: 1\n', 'dir/host-a.yaml');
  assert.equal(r.errors, [{ file: 'dir/host-a.yaml', line: 1, col: 1, path: 'bogus', message: 'unknown field "bogus"', document: 0 }]);
});

test.run();
