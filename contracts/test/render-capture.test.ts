/**
 * nmstate capture expressions: golden cases for every operator on fleetnet's own documents (the
 * semantics follow nmstate's rust/src/lib/policy), and errors that name the capture, the expression
 * and the column.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { captureView, evaluateCaptures, formatRenderError, parseCapture, RenderFailure, type CapturedStates, type RenderError } from '../src/index.ts';

const CURRENT = {
  interfaces: [
    { name: 'eno1', type: 'ethernet', state: 'up', description: 'uplink', 'mac-address': '02:00:00:00:01:01', mtu: 1500, ipv4: { enabled: true, dhcp: false, address: [{ ip: '198.51.100.7', 'prefix-length': 24 }] }, ethernet: { 'sr-iov': { 'total-vfs': 4 } } },
    { name: 'eno2', type: 'ethernet', state: 'down', description: 'spare', 'mac-address': '02:00:00:00:01:02', mtu: 9000 },
    { name: 'eno3', type: 'ethernet', state: 'up', 'mac-address': '02:00:00:00:01:03', mtu: 1500 },
    { name: 'br-old', type: 'linux-bridge', state: 'up' },
  ],
  routes: {
    running: [
      { destination: '0.0.0.0/0', 'next-hop-address': '198.51.100.1', 'next-hop-interface': 'eno1', 'table-id': 254 },
      { destination: '203.0.113.0/24', 'next-hop-address': '198.51.100.9', 'next-hop-interface': 'eno1', metric: 100, 'table-id': 254 },
      { destination: '192.0.2.0/24', 'next-hop-interface': 'eno3', 'table-id': 100 },
    ],
    config: [{ destination: '192.0.2.0/24', 'next-hop-interface': 'eno3', 'table-id': 100 }],
  },
  'dns-resolver': { running: { server: ['198.51.100.53'], search: ['example.net'] }, config: {} },
};

function capture(exprs: Record<string, string>, current: unknown = CURRENT): CapturedStates {
  const r = evaluateCaptures(exprs, current as Record<string, unknown>);
  if (!r.ok) assert.unreachable(r.errors.map(formatRenderError).join('\n'));
  return (r as { captured: CapturedStates }).captured;
}
function failure(exprs: Record<string, string>, current: unknown = CURRENT): RenderError {
  const r = evaluateCaptures(exprs, current as Record<string, unknown>);
  if (r.ok) assert.unreachable(`expected an error, got ${JSON.stringify(r.captured)}`);
  const errors = (r as { errors: RenderError[] }).errors;
  assert.is(errors.length, 1, errors.map(formatRenderError).join('\n'));
  return errors[0]!;
}
const names = (s: Record<string, unknown>) => (s.interfaces as { name: string }[]).map((i) => i.name);

// ---- == --------------------------------------------------------------------------------------------
test('== keeps the interfaces whose property equals a quoted string, whole', () => {
  const c = capture({ eths: 'interfaces.type == "ethernet"' });
  assert.equal(names(c.eths!), ['eno1', 'eno2', 'eno3']);
  assert.equal(c.eths!.interfaces, CURRENT.interfaces.slice(0, 3), 'every property of a match is kept');
  assert.equal(Object.keys(c.eths!), ['interfaces'], 'the result holds only the list it matched in');
});

test('== compares numbers by their text: bare 254, quoted "100", and a nested property', () => {
  const c = capture({ main: 'routes.running.table-id == 254', metric: 'routes.running.metric=="100"', v4: 'interfaces.ipv4.address.0.ip == "198.51.100.7"' });
  assert.equal((c.main!.routes as any).running.map((r: any) => r.destination), ['0.0.0.0/0', '203.0.113.0/24']);
  assert.equal((c.metric!.routes as any).running.map((r: any) => r.destination), ['203.0.113.0/24']);
  assert.equal(names(c.v4!), ['eno1']);
});

test('== on description and mac-address (what nmstate policies select NICs by)', () => {
  const c = capture({ up: 'interfaces.description == "uplink"', mac: 'interfaces.mac-address=="02:00:00:00:01:03"' });
  assert.equal(names(c.up!), ['eno1']);
  assert.equal(names(c.mac!), ['eno3']);
});

test('== against a captured value: the default gateway interface (nmstate bridge-on-default-gw)', () => {
  const c = capture({
    'base-iface': 'interfaces.name == capture.default-gw.routes.running.0.next-hop-interface',
    'default-gw': 'routes.running.destination=="0.0.0.0/0"',
  });
  assert.equal((c['default-gw']!.routes as any).running.length, 1);
  assert.equal(names(c['base-iface']!), ['eno1']);
});

test('== against a path of the current state (no capture needed)', () => {
  const c = capture({ first: 'interfaces.name == routes.running.2.next-hop-interface' });
  assert.equal(names(c.first!), ['eno3']);
});

test('routes.config is searched as well as routes.running', () => {
  const c = capture({ t100: 'routes.config.table-id == 100' });
  assert.equal(c.t100, { routes: { config: [CURRENT.routes.config[0]] } });
});

// ---- capture input: pipe and capture.NAME.path -------------------------------------------------------
test('capture.x.path == v and capture.x | path == v filter an earlier capture, not the current state', () => {
  const c = capture({
    eths: 'interfaces.type=="ethernet"',
    viaPath: 'capture.eths.interfaces.state == "up"',
    viaPipe: 'capture.eths | interfaces.state == "up"',
  });
  assert.equal(names(c.viaPath!), ['eno1', 'eno3']);
  assert.equal(c.viaPipe, c.viaPath);
  const e = failure({ eths: 'interfaces.type=="ethernet"', bridges: 'capture.eths | interfaces.type == "linux-bridge"' });
  assert.is(e.kind, 'CaptureFailed');
  assert.is(e.capture, 'bridges');
});

// ---- =~ (fleetnet extension) -------------------------------------------------------------------------
test('=~ matches a regular expression against the property text', () => {
  const c = capture({ odd: 'interfaces.name =~ "^eno[13]$"', v4default: 'routes.running.destination =~ "^0\\.0\\.0\\.0/"' });
  assert.equal(names(c.odd!), ['eno1', 'eno3']);
  assert.equal((c.v4default!.routes as any).running.length, 1);
});

// ---- := ------------------------------------------------------------------------------------------------
test(':= sets a property on every item: a string (nmstate bridge-on-default-gw-no-dhcp)', () => {
  const c = capture({
    gw: 'routes.running.destination=="0.0.0.0/0"',
    'gw-routes': 'routes.running.next-hop-interface == capture.gw.routes.running.0.next-hop-interface',
    'br-routes': 'capture.gw-routes | routes.running.next-hop-interface := "br0"',
  });
  const routes = (c['br-routes']!.routes as any).running;
  assert.equal(routes.map((r: any) => [r.destination, r['next-hop-interface'], r['next-hop-address']]), [
    ['0.0.0.0/0', 'br0', '198.51.100.1'],
    ['203.0.113.0/24', 'br0', '198.51.100.9'],
  ]);
  assert.is((c['gw-routes']!.routes as any).running[0]['next-hop-interface'], 'eno1', 'the source capture is not changed');
});

test(':= with bare true and a number sets typed values; a quoted number stays text', () => {
  const c = capture({
    eths: 'interfaces.type == "ethernet"',
    down: 'capture.eths | interfaces.state := "down"',
    on: 'capture.eths | interfaces.ipv4.enabled := true',
    mtu: 'capture.eths | interfaces.mtu := 9000',
    text: 'capture.eths | interfaces.mtu := "9000"',
  });
  assert.equal((c.down!.interfaces as any[]).map((i) => i.state), ['down', 'down', 'down']);
  assert.equal((c.on!.interfaces as any[]).map((i) => i.ipv4.enabled), [true, true, true], 'missing mappings are created on the way');
  assert.equal((c.on!.interfaces as any[])[0].ipv4.address, CURRENT.interfaces[0]!.ipv4!.address, 'siblings are kept');
  assert.equal((c.mtu!.interfaces as any[]).map((i) => i.mtu), [9000, 9000, 9000]);
  assert.equal((c.text!.interfaces as any[]).map((i) => i.mtu), ['9000', '9000', '9000']);
});

test(':= null removes the property (nmstate enable_lldp: interfaces.ethernet := null)', () => {
  const c = capture({ up: 'interfaces.state=="up"', plain: 'capture.up | interfaces.ethernet := NULL' });
  const first = (c.plain!.interfaces as any[])[0];
  assert.is('ethernet' in first, false);
  assert.is(first.mtu, 1500);
});

test(':= takes its value from a path: every eth gets the MTU of the gateway NIC', () => {
  const c = capture({ eths: 'interfaces.type=="ethernet"', same: 'capture.eths | interfaces.mtu := interfaces.0.mtu' });
  assert.equal((c.same!.interfaces as any[]).map((i) => i.mtu), [1500, 1500, 1500]);
});

// ---- retain and copy -------------------------------------------------------------------------------------
test('a bare path keeps only that part of the state (dns-resolver.running)', () => {
  const c = capture({ dns: 'dns-resolver.running' });
  assert.equal(c.dns, { 'dns-resolver': { running: { server: ['198.51.100.53'], search: ['example.net'] } } });
});

test('capture.x | path keeps only that part of an earlier capture', () => {
  const c = capture({ all: 'anything without an operator', routes: 'capture.all | routes.config' });
  assert.equal(c.all, CURRENT, 'an expression with no operator and no path stores the whole input (nmstate)');
  assert.equal(c.routes, { routes: { config: CURRENT.routes.config } });
});

test('a bare path that is not in the state is a CaptureFailed naming the missing key', () => {
  const e = failure({ dns: 'dns-resolver.running' }, { interfaces: [] });
  assert.is(e.kind, 'CaptureFailed');
  assert.match(e.message, /no property "dns-resolver"/);
  assert.is(e.position, 0);
});

// ---- order --------------------------------------------------------------------------------------------
test('captures run in dependency order whatever their order in the document (nmstate unsorted_capture)', () => {
  const exprs: Record<string, string> = {};
  for (let i = 9; i >= 1; i--) exprs[`c${i}`] = `routes.running.destination == capture.c${i - 1}.routes.running.0.destination`;
  exprs.c0 = 'routes.running.destination=="0.0.0.0/0"';
  const c = capture(exprs);
  assert.equal((c.c9!.routes as any).running.map((r: any) => r.destination), ['0.0.0.0/0']);
});

test('a dependency cycle and an unknown capture are syntax errors naming the captures', () => {
  const cyc = failure({ a: 'interfaces.name == capture.b.interfaces.0.name', b: 'capture.a | interfaces.state := "up"' });
  assert.is(cyc.kind, 'CaptureSyntax');
  assert.match(cyc.message, /cycle: a -> b -> a|cycle: b -> a -> b/);
  const unknown = failure({ a: 'interfaces.name == capture.nope.interfaces.0.name' });
  assert.is(unknown.kind, 'CaptureSyntax');
  assert.match(unknown.message, /no capture named "nope"/);
  assert.is(unknown.position, 'interfaces.name == capture.'.length);
});

// ---- matches nothing --------------------------------------------------------------------------------------
test('a match on nothing is CaptureFailed: which capture, which expression, which property, where', () => {
  const e = failure({ gw: 'routes.running.destination == "::/0"' });
  assert.equal(
    { kind: e.kind, capture: e.capture, expression: e.expression, position: e.position, path: e.path },
    { kind: 'CaptureFailed', capture: 'gw', expression: 'routes.running.destination == "::/0"', position: 'routes.running.'.length, path: 'capture.gw' },
  );
  assert.is(e.message, 'no route with destination == "::/0" among 3');
  assert.match(formatRenderError(e), /^capture\.gw: no route with destination == "::\/0" among 3 \(column 16 of "routes\.running\.destination == \\"::\/0\\""\)$/);
});

test('a host without routes fails a route capture and says why', () => {
  const e = failure({ gw: 'routes.running.destination=="0.0.0.0/0"' }, { interfaces: [] });
  assert.match(e.message, /the current state has no routes/);
});

test('a path value missing in the capture it reads is CaptureFailed pointing at the segment', () => {
  const e = failure({ gw: 'routes.running.destination=="0.0.0.0/0"', nic: 'interfaces.name == capture.gw.routes.running.5.next-hop-interface' });
  assert.is(e.kind, 'CaptureFailed');
  assert.match(e.message, /index 5 is past the end of routes\.running \(1 item\) in capture gw/);
  assert.is(e.position, 'interfaces.name == capture.gw.routes.running.'.length);
});

// ---- syntax -----------------------------------------------------------------------------------------------
const syntax = (expr: string): RenderError => {
  try {
    parseCapture('x', expr);
  } catch (e) {
    if (e instanceof RenderFailure) return e.error;
    throw e;
  }
  return assert.unreachable(`"${expr}" parsed`) as never;
};

test('syntax errors name the column: a single =, an open quote, two pipes, two operators', () => {
  const cases: [string, number, RegExp][] = [
    ['interfaces.name = "eth0"', 16, /expected "==" or "=~"/],
    ['interfaces.name == "eth0', 19, /never closed/],
    ['capture.a | capture.b | interfaces.name', 22, /only one pipe/],
    ['interfaces.name == "a" := "b"', 23, /only one operator/],
    ['interfaces.name != "a"', 16, /"!" is not an operator/],
    ['interfaces.state : "up"', 17, /expected ":="/],
    ['interfaces.name == ', 16, /exactly one value .*got nothing/],
    ['interfaces..name == "a"', 11, /empty segment/],
  ];
  for (const [expr, pos, message] of cases) {
    const e = syntax(expr);
    assert.is(e.kind, 'CaptureSyntax', expr);
    assert.match(e.message, message, expr);
    assert.is(e.position, pos, `${expr}: ${e.message}`);
  }
});

test('pipe and operator shapes are checked', () => {
  assert.match(syntax('interfaces | interfaces.name == "a"').message, /before a pipe "\|" comes exactly capture\.NAME/);
  assert.match(syntax('capture.a | "x"').message, /after a pipe "\|" comes a property path/);
  assert.match(syntax('"eth0" == interfaces.name').message, /needs one property path before it/);
  assert.match(syntax('interfaces.name =~ ".*("').message, /not a valid regular expression/);
  assert.match(syntax('interfaces.name =~ capture.a.interfaces.0.name').message, /=~ takes a quoted regular expression/);
  assert.match(syntax('interfaces.name == capture.a').message, /capture\.NAME\.PATH/);
  assert.match(syntax('capture.a == "x"').message, /no property path after the capture name/);
  assert.match(syntax('capture.a | capture.b.interfaces.name == "x"').message, /either through a pipe or by its path/);
});

test('=~ refuses patterns that could stall the controller: nested quantifiers, backreferences, very long', () => {
  for (const re of ['(a+)+$', '^(\\w*x)*y', '(ab{2,})+', '(a)\\1', 'x'.repeat(257)]) {
    const e = syntax(`interfaces.description =~ "${re}"`);
    assert.is(e.kind, 'CaptureSyntax', re);
    assert.is(e.position, 'interfaces.description =~ "'.length, re);
  }
  for (const re of ['^eth[0-9]+$', '(eth|eno)[0-9]+', '^(uplink|wan)$', 'a{2,4}b']) parseCapture('x', `interfaces.name =~ "${re}"`);
});

test('evaluation problems that are the policy\'s: == on a section that is not a list', () => {
  const e = failure({ x: 'dns-resolver.running.server == "1.1.1.1"' });
  assert.match(e.message, /works on interfaces, routes\.running, routes\.config or route-rules\.config, not "dns-resolver"/);
  const r = failure({ x: 'routes.static.destination == "0.0.0.0/0"' });
  assert.match(r.message, /routes is followed by running or config/);
  assert.is(r.position, 'routes.'.length);
});

test('non-breaking spaces and folded lines (YAML >-) parse like spaces', () => {
  const c = capture({ gw: 'routes.running.destination\u00a0==\n"0.0.0.0/0"' });
  assert.equal((c.gw!.routes as any).running.length, 1);
});

// ---- fleetnet's reported state ----------------------------------------------------------------------------
test('captureView: a fleetnet report (routes and resolver under config) answers routes.running captures', () => {
  const report = { interfaces: [{ name: 'eth0', type: 'ethernet' }], routes: { config: [{ destination: '0.0.0.0/0', 'next-hop-interface': 'eth0' }] }, 'dns-resolver': { config: { server: ['192.0.2.53'] } } };
  const c = capture({ gw: 'routes.running.destination=="0.0.0.0/0"', dns: 'dns-resolver.running' }, captureView(report));
  assert.equal((c.gw!.routes as any).running[0]['next-hop-interface'], 'eth0');
  assert.equal(c.dns, { 'dns-resolver': { running: { server: ['192.0.2.53'] } } });
  const both = captureView(CURRENT);
  assert.equal(both.routes, CURRENT.routes, 'a reported running list is used as it is');
});

test.run();
