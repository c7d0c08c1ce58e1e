/**
 * `fleetnet-agent validate` over fleetnet's own nmstate documents (test/nmstate/fixtures, written for
 * this project, covering the features of nmstate's examples): the valid ones pass, each refused one
 * names its feature (`# expect:` lines in the file), and every row of the table of nmstate features
 * fleetnet does not do is refused by name, never as an unknown field.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NMSTATE_UNSUPPORTED, formatSourceError, publishedSchemas, validateNetworkState } from '@fleetnet/contracts';
import { validateFile } from '../../services/node-agent/src/cli/validate.ts';

const fixtures = new URL('./fixtures/', import.meta.url).pathname;
const bin = new URL('../../services/node-agent/bin/fleetnet-agent.js', import.meta.url).pathname;
const list = (d: string) => readdirSync(join(fixtures, d)).filter((f) => f.endsWith('.yml')).sort().map((f) => join(fixtures, d, f));

test('every valid fixture validates', () => {
  const files = list('valid');
  assert.ok(files.length >= 10);
  for (const f of files) {
    const r = validateFile(f);
    assert.ok(r.valid, `${f}: ${r.errors.map(formatSourceError).join('; ')}`);
  }
});

test('every refused fixture is refused with exactly the messages it expects', () => {
  for (const f of list('refused')) {
    const expected = [...readFileSync(f, 'utf8').matchAll(/^# expect: (.*)$/gm)].map((m) => m[1]);
    assert.ok(expected.length, `${f} says what it expects`);
    const r = validateFile(f);
    assert.not.ok(r.valid, f);
    assert.equal(r.errors.map((e) => `${e.path}: ${e.message}`), expected, f);
  }
});

/** A smallest document that holds a key at `path` (a row of the table), valid but for that key. */
function documentWith(path: string): unknown {
  const parts = [...path.matchAll(/\["([^"]+)"\]|\[\]|[^.[\]]+/g)].map((m) => m[1] ?? m[0]);
  // what each mapping or list item needs besides the key, so that the schema has nothing else to say
  const lists: Record<string, object> = {
    interfaces: { name: 'eth9' }, address: { ip: '2001:db8::1', 'prefix-length': 64 }, config: { destination: '198.18.0.0/16', 'next-hop-interface': 'eth9' },
    port: { name: 'eth8' }, vfs: { id: 0 },
  };
  const maps = (i: number): object => {
    const key = parts[i]!;
    if (key === 'link-aggregation') return parts[i - 2] === 'port' ? { mode: 'active-backup', port: [{ name: 'eth6' }, { name: 'eth7' }] } : { mode: 'balance-xor' };
    return ({ vlan: { 'base-iface': 'eth8', id: 10 }, 'sr-iov': { 'total-vfs': 2 } } as Record<string, object>)[key] ?? {};
  };
  const build = (i: number): unknown => {
    if (i === parts.length) return 'x';
    if (parts[i] === '[]') return [{ ...(lists[parts[i - 1]!] ?? {}), ...(build(i + 1) as object) }];
    const inner = build(i + 1);
    return { [parts[i]!]: typeof inner === 'object' && !Array.isArray(inner) ? { ...maps(i), ...inner } : inner };
  };
  return build(0);
}

test('each row of the unsupported table is refused by name, at its path, with nothing else said', () => {
  for (const row of NMSTATE_UNSUPPORTED) {
    const v = validateNetworkState(documentWith(row.path));
    if (v.ok) return assert.unreachable(`${row.path} was accepted`);
    const shown = row.path.replace(/\[\]/g, '[0]');
    assert.equal(v.errors.map((e) => `${e.path}: ${e.message}`), [`${shown}: not supported by fleetnet: ${row.feature}`], row.path);
  }
});

test('a typo nmstate does not know either stays "unknown field"', () => {
  const v = validateNetworkState({ interfaces: [{ name: 'eth0', lldpp: { enabled: true } }] });
  if (v.ok) return assert.unreachable('accepted');
  assert.equal(v.errors.map((e) => e.message), ['unknown field "lldpp"']);
});

test('the command: exit 0 and "valid"; exit 2 with file:line:col lines; -o json; it touches nothing', () => {
  const state = join(mkdtempSync(join(tmpdir(), 'fleetnet-validate-')), 'never');
  try {
    const ok = spawnSync(process.execPath, [bin, '--state-dir', state, 'validate', '-f', join(fixtures, 'valid', 'route-rules.yml')], { encoding: 'utf8' });
    assert.is(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /route-rules\.yml: valid/);
    const bad = spawnSync(process.execPath, [bin, '--state-dir', state, 'validate', '-f', join(fixtures, 'refused', 'hsr.yml')], { encoding: 'utf8' });
    assert.is(bad.status, 2);
    assert.is(bad.stderr, `${join(fixtures, 'refused', 'hsr.yml')}:6:5: interfaces[0].hsr: not supported by fleetnet: HSR/PRP\n`);
    const json = spawnSync(process.execPath, [bin, 'validate', '-f', join(fixtures, 'refused', 'ethtool.yml'), '-o', 'json'], { encoding: 'utf8' });
    assert.is(json.status, 2);
    const r = JSON.parse(json.stdout);
    assert.is(r.valid, false);
    assert.equal(r.errors.map((e: any) => [e.line, e.col, e.path, e.message]), [[5, 5, 'interfaces[0].ethtool', 'not supported by fleetnet: ethtool settings (ethtool)']]);
    assert.not.ok(existsSync(state), 'validate created no state directory');
  } finally {
    rmSync(join(state, '..'), { recursive: true, force: true });
  }
});

test('the published JSON Schemas say what the CLI checks: IPv4 prefix <= 32, route types, resolver options', () => {
  const s = publishedSchemas()['network-state.json'] as any;
  const iface = s.properties.interfaces.items;
  const v4 = iface.properties.ipv4.properties.address.items;
  assert.is(v4.then.properties['prefix-length'].maximum, 32);
  assert.ok(new RegExp(v4.if.properties.ip.pattern).test('10.0.0.1'));
  assert.not.ok(new RegExp(v4.if.properties.ip.pattern).test('2001:db8::1'));
  assert.is(iface.properties.ipv6.properties.address.items.properties['prefix-length'].maximum, 128);
  const route = s.properties.routes.properties.config.items.properties;
  assert.equal(route['route-type'].anyOf.map((x: any) => x.const), ['blackhole', 'unreachable', 'prohibit']);
  const opt = new RegExp(s.properties['dns-resolver'].properties.config.properties.options.items.pattern);
  assert.ok(opt.test('ndots:2') && opt.test('rotate'));
  assert.not.ok(opt.test('fast'));
  const routeRules = s.properties.routes.properties.config.items.allOf;
  assert.equal(routeRules[0], { if: { not: { required: ['state'] } }, then: { required: ['destination'] } });
  const rule = s.properties['route-rules'].properties.config.items;
  assert.equal(rule.allOf[0], { dependencies: { fwmask: ['fwmark'] } });
  assert.equal(iface.properties.ipv4.allOf, [{ not: { required: ['autoconf'] } }]);
  // the policy's templated variant keeps the IPv4 bound
  const p = publishedSchemas()['host-network-policy.json'] as any;
  const pv4 = p.properties.spec.properties.desiredState.anyOf[0].properties.interfaces.anyOf[0].items.anyOf[0].properties.ipv4.anyOf[0].properties.address.anyOf[0].items.anyOf[0];
  assert.is(pv4.then.properties['prefix-length'].maximum, 32);
});

test.run();
