/**
 * `{{ }}` references: captured subtrees and values, host name/labels/facts, pool addresses; text
 * around a reference; and the errors (syntax, unresolved, pool missing) with their column.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fillTemplates, parseTemplate, RenderFailure, substitute, type RenderError, type TemplateScope } from '../src/index.ts';

const SCOPE: TemplateScope = {
  captured: {
    base: { interfaces: [{ name: 'eno1', 'mac-address': '02:00:00:00:01:01', ipv4: { enabled: true, address: [{ ip: '198.51.100.7', 'prefix-length': 24 }] } }] },
  },
  host: {
    name: 'node-07',
    labels: { rack: 'r3', 'kubernetes.io/hostname': 'node-07.lab', mtu: '9000' },
    facts: { nics: [{ name: 'eno1', mac: '02:00:00:00:01:01', pciAddress: '0000:03:00.0' }], kernel: { release: '6.1.0', capabilities: { bond: true, vlan: true, dummy: true, macvlan: true, vxlan: true, ovs: true } } },
  },
  pools: { storage: { ip: '10.20.0.17', 'prefix-length': 24, gateway: '10.20.0.1' }, nogw: { ip: '10.30.0.5', 'prefix-length': 16 } },
};

const value = (text: string, scope = SCOPE) => substitute(text, ['x'], scope).value;
function failure(text: string, scope = SCOPE): RenderError {
  try {
    substitute(text, ['spec', 'desiredState', 'interfaces', 0, 'name'], scope);
  } catch (e) {
    if (e instanceof RenderFailure) return e.error;
    throw e;
  }
  return assert.unreachable(`"${text}" resolved`) as never;
}

test('a reference alone is replaced by the value itself: subtree, number, text', () => {
  assert.equal(value('{{ capture.base.interfaces.0.ipv4 }}'), SCOPE.captured.base!.interfaces && (SCOPE.captured.base!.interfaces as any)[0].ipv4);
  assert.equal(value('{{capture.base.interfaces}}'), SCOPE.captured.base!.interfaces, 'spaces inside the braces are optional');
  assert.is(value('{{ pools.storage.prefix-length }}'), 24);
  assert.is(value('  {{ capture.base.interfaces.0.name }} '), '  eno1 ', 'text around is kept verbatim, spaces included');
});

test('the substituted subtree is a copy: changing it does not change the capture', () => {
  const v = value('{{ capture.base.interfaces.0.ipv4 }}') as { enabled: boolean };
  v.enabled = false;
  assert.is((SCOPE.captured.base!.interfaces as any)[0].ipv4.enabled, true);
});

test('host values: name, labels (keys with dots and slashes), facts', () => {
  assert.is(value('{{ host.name }}'), 'node-07');
  assert.is(value('br-{{ host.labels.rack }}'), 'br-r3');
  assert.is(value('{{ host.labels.kubernetes.io/hostname }}'), 'node-07.lab');
  assert.is(value('{{ host.facts.nics.0.pciAddress }}'), '0000:03:00.0');
});

test('pools: ip, prefix-length, gateway; text around a number makes text', () => {
  assert.is(value('{{ pools.storage.ip }}'), '10.20.0.17');
  assert.is(value('{{ pools.storage.gateway }}'), '10.20.0.1');
  assert.is(value('/{{ pools.storage.prefix-length }}'), '/24');
});

test('fillTemplates walks mappings and lists and records which paths were filled', () => {
  const doc = {
    interfaces: [
      { name: 'stor0', type: 'linux-bridge', ipv4: { enabled: true, address: [{ ip: '{{ pools.storage.ip }}', 'prefix-length': '{{ pools.storage.prefix-length }}' }] } },
      { name: 'eno1', ipv4: '{{ capture.base.interfaces.0.ipv4 }}', mtu: 1500 },
    ],
  };
  const r = fillTemplates(doc, SCOPE, ['spec', 'desiredState']);
  assert.equal(r.value, {
    interfaces: [
      { name: 'stor0', type: 'linux-bridge', ipv4: { enabled: true, address: [{ ip: '10.20.0.17', 'prefix-length': 24 }] } },
      { name: 'eno1', ipv4: (SCOPE.captured.base!.interfaces as any)[0].ipv4, mtu: 1500 },
    ],
  });
  assert.equal(r.filled, [
    ['spec', 'desiredState', 'interfaces', 0, 'ipv4', 'address', 0, 'ip'],
    ['spec', 'desiredState', 'interfaces', 0, 'ipv4', 'address', 0, 'prefix-length'],
    ['spec', 'desiredState', 'interfaces', 1, 'ipv4'],
  ]);
  assert.is((doc.interfaces[0]!.ipv4 as any).address[0].ip, '{{ pools.storage.ip }}', 'the input is not changed');
});

test('unresolved references say what is missing, where', () => {
  const cases: [string, string, number, RegExp][] = [
    ['{{ host.labels.zone }}', 'TemplateUnresolved', 'host.labels.'.length + 3, /host node-07 has no label "zone"/],
    ['{{ capture.nope.interfaces }}', 'TemplateUnresolved', 'capture.'.length + 3, /no capture named "nope"/],
    ['{{ capture.base.interfaces.3.name }}', 'TemplateUnresolved', 'capture.base.interfaces.'.length + 3, /index 3 is past the end of interfaces \(1 item\) in capture base/],
    ['{{ capture.base.interfaces.0.mtu }}', 'TemplateUnresolved', 'capture.base.interfaces.0.'.length + 3, /no property "mtu" in interfaces\.0 \(it has name, mac-address, ipv4\)/],
    ['{{ pools.data.ip }}', 'PoolMissing', 'pools.'.length + 3, /no address from pool "data" for this host/],
    ['{{ pools.nogw.gateway }}', 'TemplateUnresolved', 'pools.nogw.'.length + 3, /pool "nogw" has no gateway/],
    ['{{ host.facts.nics.0.vendorId }}', 'TemplateUnresolved', 'host.facts.nics.0.'.length + 3, /no property "vendorId"/],
    ['eth-{{ capture.base.interfaces.0.ipv4 }}', 'TemplateUnresolved', 4 + 3, /is a mapping: text around a reference needs a single value/],
  ];
  for (const [text, kind, position, message] of cases) {
    const e = failure(text);
    assert.is(e.kind, kind, text);
    assert.match(e.message, message, text);
    assert.is(e.position, position, `${text}: ${e.message}`);
    assert.is(e.expression, text);
    assert.is(e.path, 'spec.desiredState.interfaces[0].name');
  }
  assert.is(failure('{{ pools.data.ip }}').pool, 'data');
  assert.match(failure('{{ host.name }}', { captured: {} }).message, /needs a host/);
  assert.match(failure('{{ host.facts.nics }}', { captured: {}, host: { name: 'h' } }).message, /no facts known for host h/);
});

test('template syntax: one reference, closed, one path, a known root', () => {
  const syntax = (text: string): RenderError => {
    try {
      parseTemplate(text);
    } catch (e) {
      if (e instanceof RenderFailure) return e.error;
      throw e;
    }
    return assert.unreachable(`"${text}" parsed`) as never;
  };
  const cases: [string, number, RegExp][] = [
    ['{{ host.name', 0, /never closed/],
    ['host.name }}', 10, /without a "{{" before it/],
    ['{{ host.name }}-{{ host.name }}', 16, /only one \{\{ \}\} reference/],
    ['{{ }}', 0, /nothing between/],
    ['{{ host.name x }}', 12, /without spaces/],
    ['{{ node.name }}', 3, /starts with capture\., host\. or pools\./],
    ['{{ capture.base }}', 3, /capture\.NAME\.PATH/],
    ['{{ pools.storage.netmask }}', 3, /pools\.NAME\.ip, pools\.NAME\.prefix-length or pools\.NAME\.gateway/],
    ['{{ host.uuid }}', 3, /host\.name, host\.labels\.KEY or host\.facts\.PATH/],
    ['{{ host..name }}', 3, /empty segment/],
  ];
  for (const [text, position, message] of cases) {
    const e = syntax(text);
    assert.is(e.kind, 'TemplateSyntax', text);
    assert.match(e.message, message, text);
    assert.is(e.position, position, `${text}: ${e.message}`);
  }
  assert.is(parseTemplate('plain text'), undefined);
});

test.run();
