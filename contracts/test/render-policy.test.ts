/**
 * renderPolicy, the API the controller and `fleetnet render` share: a templated HostNetworkPolicy
 * (capture + host + pools) becomes a strict NetworkState; frozen captures are used as they are; every
 * failure is a typed error; a policy with templates passes intake and keeps precise schema errors.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { policyPools, renderPolicy, validatePolicy, type HostNetworkPolicy, type RenderError, type RenderInput } from '../src/index.ts';

const POLICY = {
  apiVersion: 'fleetnet.io/v1',
  kind: 'HostNetworkPolicy',
  metadata: { name: 'storage-bridge' },
  spec: {
    hostSelector: { matchLabels: { role: 'storage' } },
    capture: {
      'default-gw': 'routes.running.destination=="0.0.0.0/0"',
      'base-iface': 'interfaces.name == capture.default-gw.routes.running.0.next-hop-interface',
      'bridge-routes': 'capture.default-gw | routes.running.next-hop-interface := "br-up"',
    },
    desiredState: {
      interfaces: [
        {
          name: 'br-up',
          type: 'linux-bridge',
          state: 'up',
          description: 'uplink bridge of {{ host.name }}',
          mtu: '{{ host.labels.mtu }}',
          ipv4: '{{ capture.base-iface.interfaces.0.ipv4 }}',
          bridge: { port: [{ name: '{{ capture.base-iface.interfaces.0.name }}' }] },
        },
        {
          name: 'stor-{{ host.labels.rack }}',
          type: 'linux-bridge',
          state: 'up',
          ipv4: { enabled: true, address: [{ ip: '{{ pools.storage.ip }}', 'prefix-length': '{{ pools.storage.prefix-length }}' }] },
        },
      ],
      routes: { config: '{{ capture.bridge-routes.routes.running }}' },
    },
  },
};
const policy = POLICY as unknown as HostNetworkPolicy;

// As fleetnet's agent reports it: kernel routes under routes.config.
const CURRENT = {
  interfaces: [
    { name: 'eth0', type: 'ethernet', state: 'up', mtu: 1500, 'mac-address': '02:00:00:00:00:10', ipv4: { enabled: true, address: [{ ip: '198.51.100.10', 'prefix-length': 24 }] } },
    { name: 'eth1', type: 'ethernet', state: 'up', mtu: 1500 },
  ],
  routes: { config: [{ destination: '0.0.0.0/0', 'next-hop-address': '198.51.100.1', 'next-hop-interface': 'eth0', 'table-id': 254 }] },
};
const HOST = { name: 'node-3', labels: { role: 'storage', rack: 'r7', mtu: '9000' } };
const POOLS = { storage: { ip: '10.20.0.33', 'prefix-length': 24 } };
const INPUT: RenderInput = { policy, current: CURRENT, host: HOST, pools: POOLS };

const errorsOf = (input: RenderInput): RenderError[] => {
  const r = renderPolicy(input);
  if (r.ok) return assert.unreachable(`rendered: ${JSON.stringify(r.state)}`) as never;
  return r.errors;
};

test('a templated policy renders to a strict state: captures, host values, pool address, typed numbers', () => {
  const r = renderPolicy(INPUT);
  if (!r.ok) return assert.unreachable(JSON.stringify(r.errors, null, 2));
  assert.equal(r.state, {
    interfaces: [
      {
        name: 'br-up',
        type: 'linux-bridge',
        state: 'up',
        description: 'uplink bridge of node-3',
        mtu: 9000,
        ipv4: { enabled: true, address: [{ ip: '198.51.100.10', 'prefix-length': 24 }] },
        bridge: { port: [{ name: 'eth0' }] },
      },
      { name: 'stor-r7', type: 'linux-bridge', state: 'up', ipv4: { enabled: true, address: [{ ip: '10.20.0.33', 'prefix-length': 24 }] } },
    ],
    routes: { config: [{ destination: '0.0.0.0/0', 'next-hop-address': '198.51.100.1', 'next-hop-interface': 'br-up', 'table-id': 254 }] },
  });
  assert.equal(Object.keys(r.captured).sort(), ['base-iface', 'bridge-routes', 'default-gw']);
  assert.equal((r.captured['base-iface']!.interfaces as any[])[0].name, 'eth0');
});

test('frozen captures are used as they are: the same result after the policy moved the gateway', () => {
  const first = renderPolicy(INPUT);
  if (!first.ok) return assert.unreachable();
  // What the host reports once the bridge took over: the default route is on br-up, eth0 has no address.
  const after = {
    interfaces: [{ name: 'eth0', type: 'ethernet', state: 'up' }, { name: 'br-up', type: 'linux-bridge', state: 'up', ipv4: { enabled: true, address: [{ ip: '198.51.100.10', 'prefix-length': 24 }] } }],
    routes: { config: [{ destination: '0.0.0.0/0', 'next-hop-address': '198.51.100.1', 'next-hop-interface': 'br-up' }] },
  };
  const again = renderPolicy({ ...INPUT, current: after, captured: first.captured });
  assert.ok(again.ok);
  assert.equal(again.ok && again.state, first.state);
  const recaptured = renderPolicy({ ...INPUT, current: after });
  assert.ok(!recaptured.ok || JSON.stringify(recaptured.state) !== JSON.stringify(first.state), 're-capturing would not give the same state (this is why captures are frozen)');
});

test('a capture that matches nothing: CaptureFailed naming the policy path, the expression and the column', () => {
  const [e, ...rest] = errorsOf({ ...INPUT, current: { interfaces: CURRENT.interfaces, routes: { config: [] } } });
  assert.is(rest.length, 0);
  assert.equal(
    { kind: e!.kind, path: e!.path, capture: e!.capture, position: e!.position, expression: e!.expression },
    { kind: 'CaptureFailed', path: 'spec.capture.default-gw', capture: 'default-gw', position: 'routes.running.'.length, expression: 'routes.running.destination=="0.0.0.0/0"' },
  );
});

test('no current state yet: CaptureFailed, not an exception', () => {
  const [e] = errorsOf({ ...INPUT, current: undefined });
  assert.is(e!.kind, 'CaptureFailed');
  assert.match(e!.message, /no current state/);
});

test('a pool without an address for this host: PoolMissing naming the pool', () => {
  const [e] = errorsOf({ ...INPUT, pools: {} });
  assert.equal({ kind: e!.kind, pool: e!.pool, path: e!.path }, { kind: 'PoolMissing', pool: 'storage', path: 'spec.desiredState.interfaces[1].ipv4.address[0].ip' });
});

test('the rendered state is validated strictly: a label that is not a number where an MTU stands', () => {
  const errors = errorsOf({ ...INPUT, host: { ...HOST, labels: { ...HOST.labels, mtu: 'jumbo' } } });
  assert.equal(errors.map((e) => [e.kind, e.path]), [['Invalid', 'spec.desiredState.interfaces[0].mtu']]);
  assert.match(errors[0]!.message, /must be an integer, got the string "jumbo"/);
  const bad = errorsOf({ ...INPUT, pools: { storage: { ip: '10.20.0.330', 'prefix-length': 24 } } });
  assert.equal(bad.map((e) => [e.kind, e.path, e.message]), [['Invalid', 'spec.desiredState.interfaces[1].ipv4.address[0].ip', '"10.20.0.330" is not an IPv4 address']]);
  const long = errorsOf({ ...INPUT, host: { ...HOST, labels: { ...HOST.labels, rack: 'a-very-long-rack' } } });
  assert.equal(long.map((e) => e.path), ['spec.desiredState.interfaces[1].name'], 'stor-a-very-long-rack is longer than 15 characters');
});

test('a reference inside a mapping that is one variant of a union (stp: true | { enabled })', () => {
  const p = { desiredState: { interfaces: [{ name: 'br0', type: 'linux-bridge', state: 'up', bridge: { options: { stp: { enabled: '{{ host.labels.stp }}' } } } }] } };
  assert.ok(validatePolicy({ ...POLICY, spec: p }).ok);
  const r = renderPolicy({ policy: p, host: { name: 'h', labels: { stp: 'false' } } });
  assert.equal(r.ok && r.state.interfaces?.[0]?.bridge?.options?.stp, { enabled: false });
  const [e] = errorsOf({ policy: p, host: { name: 'h', labels: { stp: 'maybe' } } });
  assert.equal([e!.path, e!.message], ['desiredState.interfaces[0].bridge.options.stp.enabled', 'must be true or false, got the string "maybe"']);
});

test('literal values are never converted: mtu: "9000" written as text stays an error', () => {
  const literal = { capture: {}, desiredState: { interfaces: [{ name: 'eth1', mtu: '9000' }] } };
  const [e] = errorsOf({ policy: literal });
  assert.equal([e!.kind, e!.path], ['Invalid', 'desiredState.interfaces[0].mtu']);
});

test('routes.running in a desired state is refused: it is what a host reports', () => {
  const p = { capture: { gw: 'routes.running.destination=="0.0.0.0/0"' }, desiredState: { routes: { running: '{{ capture.gw.routes.running }}' } } };
  const [e] = errorsOf({ policy: p, current: CURRENT });
  assert.is(e!.path, 'desiredState.routes.running');
  assert.match(e!.message, /what a host reports; a desired state sets routes\.config/);
});

test('an nmstate policy (top-level capture + desiredState) renders like a HostNetworkPolicy; errors have no spec. prefix', () => {
  const r = renderPolicy({ policy: { capture: POLICY.spec.capture, desiredState: POLICY.spec.desiredState }, current: CURRENT, host: HOST, pools: POOLS });
  const h = renderPolicy(INPUT);
  assert.ok(r.ok && h.ok);
  assert.equal(r.ok && r.state, h.ok && h.state);
  const [e] = errorsOf({ policy: { capture: { x: 'interfaces.name == "nope"' }, desiredState: {} }, current: CURRENT });
  assert.is(e!.path, 'capture.x');
});

test('a policy without captures or templates renders to itself', () => {
  const plain = { desiredState: { interfaces: [{ name: 'eth1', type: 'ethernet', state: 'up', mtu: 9000 }] } };
  const r = renderPolicy({ policy: plain });
  assert.equal(r.ok && r.state, plain.desiredState);
});

test('policyPools lists the pools a policy uses', () => {
  assert.equal(policyPools(policy), ['storage']);
  assert.equal(policyPools({ desiredState: {} }), []);
});

// ---- intake ------------------------------------------------------------------------------------------
test('validatePolicy accepts templates where typed values stand, and capture', () => {
  const v = validatePolicy(POLICY);
  assert.ok(v.ok, JSON.stringify(!v.ok && v.errors));
});

test('validatePolicy keeps precise errors for literal values next to templates', () => {
  const p = structuredClone(POLICY) as any;
  p.spec.desiredState.interfaces[0].mtuu = 9000;
  p.spec.desiredState.interfaces[1].ipv4.address[0]['prefix-length'] = 'twenty-four';
  p.spec.desiredState.interfaces[1].state = 'sideways';
  const v = validatePolicy(p);
  assert.ok(!v.ok);
  assert.equal(!v.ok && v.errors.map((e) => [e.path, e.message]), [
    ['spec.desiredState.interfaces[0].mtuu', 'unknown field "mtuu"'],
    ['spec.desiredState.interfaces[1].state', 'must be one of up, down, absent; got the string "sideways"'],
    ['spec.desiredState.interfaces[1].ipv4.address[0].prefix-length', 'must be an integer, got the string "twenty-four"'],
  ]);
});

test('validatePolicy refuses broken captures and templates at intake, with the column', () => {
  const p = structuredClone(POLICY) as any;
  p.spec.capture['default-gw'] = 'routes.running.destination = "0.0.0.0/0"';
  p.spec.desiredState.interfaces[0].ipv4 = '{{ capture.base-ifac.interfaces.0.ipv4 }}';
  p.spec.desiredState.interfaces[1].name = 'stor-{{ host.labels.rack';
  p.spec.capture['Bad.Name'] = 'interfaces';
  const v = validatePolicy(p);
  assert.ok(!v.ok);
  assert.equal(!v.ok && v.errors.map((e) => [e.path, e.message]), [
    ['spec.capture["Bad.Name"]', 'invalid key "Bad.Name" (capture names are letters, digits, "-" and "_"; values are nmstate capture expressions, e.g. routes.running.destination=="0.0.0.0/0")'],
    ['spec.desiredState.interfaces[1].name', 'is not a valid {{ }} reference: one closed reference, e.g. "{{ pools.NAME.ip }}" (text around it only where text stands, e.g. "br-{{ host.name }}")'],
  ]);
  delete p.spec.capture['Bad.Name'];
  p.spec.desiredState.interfaces[1].name = 'stor-{{ host.labels.rack }}';
  p.spec.desiredState.interfaces[1].description = 'stor-{{ host.labels.rack';
  const w = validatePolicy(p);
  assert.equal(!w.ok && w.errors.map((e) => [e.path, e.message]), [
    ['spec.capture.default-gw', 'expected "==" or "=~" here (column 28 of "routes.running.destination = \\"0.0.0.0/0\\"")'],
    ['spec.desiredState.interfaces[1].description', 'this "{{" is never closed with "}}" (column 6 of "stor-{{ host.labels.rack")'],
    ['spec.desiredState.interfaces[0].ipv4', 'no capture named "base-ifac" in this policy (it has default-gw, base-iface, bridge-routes) (column 12 of "{{ capture.base-ifac.interfaces.0.ipv4 }}")'],
  ]);
});

test('validatePolicy still applies the semantic rules to a policy without templates', () => {
  const v = validatePolicy({ ...POLICY, spec: { desiredState: { interfaces: [{ name: 'eth0', ipv4: { address: [{ ip: '10.0.0.300', 'prefix-length': 24 }] } }] } } });
  assert.equal(!v.ok && v.errors.map((e) => e.path), ['spec.desiredState.interfaces[0].ipv4.address[0].ip']);
});

test.run();
