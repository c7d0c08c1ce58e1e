import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { canonicalJson, contentHash } from '../src/index.ts';

test('canonicalJson sorts keys at every depth and drops undefined fields', () => {
  assert.is(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: undefined } }), '{"a":{"d":[{"y":2,"z":1}]},"b":1}');
});

test('contentHash does not depend on key order, at any depth', () => {
  const a = { interfaces: [{ name: 'eth0', mtu: 1500, ipv4: { enabled: true, dhcp: false } }], routes: { config: [] } };
  const b = { routes: { config: [] }, interfaces: [{ ipv4: { dhcp: false, enabled: true }, mtu: 1500, name: 'eth0' }] };
  assert.is(contentHash(a), contentHash(b));
  assert.match(contentHash(a), /^sha256:[0-9a-f]{64}$/);
});

test('contentHash changes with any value, with list order, and with a present-but-different field', () => {
  const base = { interfaces: [{ name: 'eth0', mtu: 1500 }, { name: 'eth1' }] };
  const h = contentHash(base);
  assert.is.not(contentHash({ interfaces: [{ name: 'eth0', mtu: 1501 }, { name: 'eth1' }] }), h);
  assert.is.not(contentHash({ interfaces: [{ name: 'eth1' }, { name: 'eth0', mtu: 1500 }] }), h, 'lists keep their order');
  assert.is.not(contentHash({ interfaces: [{ name: 'eth0', mtu: '1500' }, { name: 'eth1' }] }), h, '1500 and "1500" differ');
  assert.is(contentHash({ interfaces: [{ name: 'eth0', mtu: 1500, state: undefined }, { name: 'eth1' }] }), h, 'undefined is absent');
});

test.run();
