import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isIP } from 'node:net';
import { ipFamily, isDefaultDestination, isLinkLocal, netmaskToPrefix, networkAddress, normalizeDestination, normalizeIp, parseCidr, prefixToNetmask } from '../src/index.ts';

test('normalizeIp: RFC 5952 text for IPv6, unchanged IPv4, garbage passed through', () => {
  const cases: [string, string][] = [
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:db8:0::1', '2001:db8::1'],
    ['2001:0db8:0000:0000:0001:0000:0000:0001', '2001:db8::1:0:0:1'], // the first of two equal zero runs
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single zero group is not shortened
    ['::', '::'],
    ['::1', '::1'],
    ['FE80::0001', 'fe80::1'],
    ['::ffff:192.0.2.1', '::ffff:c000:201'],
    ['10.0.0.1', '10.0.0.1'],
    ['not-an-ip', 'not-an-ip'],
  ];
  for (const [input, expected] of cases) assert.is(normalizeIp(input), expected, input);
});

test('ipFamily and isLinkLocal', () => {
  assert.is(ipFamily('10.0.0.1'), 4);
  assert.is(ipFamily('2001:db8::1'), 6);
  assert.is(ipFamily('10.0.0.256'), 0);
  assert.is(ipFamily('10.0.0.0/8'), 0);
  assert.ok(isLinkLocal('FE80:0::5'));
  assert.not.ok(isLinkLocal('2001:db8::1'));
  assert.not.ok(isLinkLocal('169.254.0.1'), 'only IPv6 link-local is the kernel\'s own');
});

test('parseCidr: address/prefix, a bare address as a host route, reasons for bad input', () => {
  assert.equal(parseCidr('10.0.0.0/8'), { ip: '10.0.0.0', prefix: 8, family: 4 });
  assert.equal(parseCidr('2001:DB8::/32'), { ip: '2001:db8::', prefix: 32, family: 6 });
  assert.equal(parseCidr('10.1.2.3'), { ip: '10.1.2.3', prefix: 32, family: 4 });
  assert.equal(parseCidr('::1'), { ip: '::1', prefix: 128, family: 6 });
  assert.is(parseCidr('10.0.0.0/33'), 'prefix length "33" is out of range 0..32 for IPv4');
  assert.is(parseCidr('::/129'), 'prefix length "129" is out of range 0..128 for IPv6');
  assert.is(parseCidr('10.0.0.0/x'), 'prefix length "x" is out of range 0..32 for IPv4');
  assert.is(parseCidr('10.0.0.0/'), 'prefix length "" is out of range 0..32 for IPv4');
  assert.is(parseCidr('10.0.0.0/8/8'), '"10.0.0.0/8/8" is not an address/prefix');
  assert.is(parseCidr('example.com/8'), '"example.com" is not an IPv4 or IPv6 address');
});

test('networkAddress clears the host bits for both families and every edge prefix', () => {
  assert.is(networkAddress('10.1.2.3', 8), '10.0.0.0');
  assert.is(networkAddress('192.168.77.130', 25), '192.168.77.128');
  assert.is(networkAddress('10.1.2.3', 32), '10.1.2.3');
  assert.is(networkAddress('10.1.2.3', 0), '0.0.0.0');
  assert.is(networkAddress('2001:db8:1:2::99', 64), '2001:db8:1:2::');
  assert.is(networkAddress('2001:db8::1', 128), '2001:db8::1');
  assert.is(networkAddress('2001:db8::1', 0), '::');
});

test('netmask <-> prefix for every prefix length; non-contiguous masks are refused', () => {
  for (let p = 0; p <= 32; p++) assert.is(netmaskToPrefix(prefixToNetmask(p)), p, `/${p}`);
  assert.is(prefixToNetmask(24), '255.255.255.0');
  assert.is(prefixToNetmask(20), '255.255.240.0');
  assert.is(prefixToNetmask(0), '0.0.0.0');
  assert.is(netmaskToPrefix('255.0.255.0'), undefined);
  assert.is(netmaskToPrefix('ffff::'), undefined);
});

test('route destinations: "default" and spelled-out forms normalize to one text', () => {
  assert.is(normalizeDestination('default'), '0.0.0.0/0');
  assert.is(normalizeDestination('2001:DB8:0::/48'), '2001:db8::/48');
  assert.is(normalizeDestination('10.0.0.1'), '10.0.0.1/32');
  assert.ok(isDefaultDestination('default'));
  assert.ok(isDefaultDestination('0:0::/0'));
  assert.not.ok(isDefaultDestination('0.0.0.0/1'));
});

test('ipFamily answers exactly what node\'s net.isIP answers (it replaces it: its IPv6 regular expression costs a cold process ~4 ms)', () => {
  const atoms = ['', ':', '::', '0', '1', 'ffff', 'FFFF', '12345', 'g', '.', '1.2.3.4', '255.255.255.255', '256.1.1.1', '01.2.3.4', '%', '%eth0', 'fe80', '::1', '1::', 'a:b', '1.2.3', '%a.b:c', '% ', '00'];
  const differ: string[] = [];
  const check = (s: string) => { if (ipFamily(s) !== isIP(s)) differ.push(`${JSON.stringify(s)}: net.isIP ${isIP(s)}, ipFamily ${ipFamily(s)}`); };
  for (const a of atoms) for (const b of atoms) for (const c of atoms) check(a + b + c);
  // a fixed pseudo-random sequence (a failure reproduces): random strings, then address-shaped ones
  let seed = 42;
  const rnd = (k: number) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % k; };
  const chars = '0123456789abcdefABCDEFg:.%';
  for (let i = 0; i < 30000; i++) check(Array.from({ length: rnd(45) }, () => chars[rnd(chars.length)]).join(''));
  for (let i = 0; i < 30000; i++) {
    const g = Array.from({ length: 8 }, () => (rnd(3) === 0 ? '0' : rnd(65536).toString(16)));
    let s = g.join(':');
    if (rnd(2)) { const a = rnd(8); const b = a + rnd(8 - a); s = `${g.slice(0, a).join(':')}::${g.slice(b + 1).join(':')}`; }
    if (rnd(4) === 0) s = s.replace(/:[^:]*:[^:]*$/, `:${rnd(300)}.${rnd(256)}.${rnd(256)}.${rnd(256)}`);
    if (rnd(5) === 0) s += `%${['eth0', '', 'a b', '1'][rnd(4)]}`;
    check(s);
  }
  assert.equal(differ.slice(0, 10), []);
});

test.run();
