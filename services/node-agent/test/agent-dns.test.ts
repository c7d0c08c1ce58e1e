import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createNetns } from '../../../test/support/netns.ts';
import { agentIn } from './helpers.ts';

test('agent: DNS written in the dns stage; a failed probe restores the previous resolv.conf byte for byte', async () => {
  const ns = createNetns('adns');
  const t = agentIn(ns);
  try {
    const file = join(t.dir, 'resolv.conf');
    const original = '# managed by a test\nnameserver 192.0.2.53\nsearch old.example\noptions ndots:2\n';
    writeFileSync(file, original);
    const desired = { 'dns-resolver': { config: { server: ['198.51.100.53', '2001:db8::53'], search: ['new.example'] } } };

    const bad = await t.agent.apply(desired, { probes: { gateway: false }, timeoutMs: 1000, extraProbes: [{ name: 'resolver works', check: async () => ({ ok: readFileSync(file, 'utf8') === original, message: 'changed' }) }] });
    assert.is(bad.phase, 'RolledBack', bad.error?.message);
    assert.is(bad.error?.probe, 'resolver works');
    assert.ok(bad.operations.every((o) => o.stage === 'dns'));
    assert.is(readFileSync(file, 'utf8'), original);

    const good = await t.agent.apply(desired, { probes: { gateway: false } });
    assert.is(good.phase, 'Applied', good.error?.message);
    const text = readFileSync(file, 'utf8');
    assert.match(text, /nameserver 198\.51\.100\.53\nnameserver 2001:db8::53/);
    assert.match(text, /search new\.example/);
    assert.equal((await t.agent.plan(desired)).operations, []);
  } finally {
    t.cleanup();
    ns.remove();
  }
});

test.run();
