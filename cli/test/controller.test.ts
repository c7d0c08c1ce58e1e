import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateSchema, HostView, PolicyView, RolloutView, type ApiResponse } from '@fleetnet/contracts';
import { startNats, type NatsServer } from '../../test/support/nats.ts';
import { killPid, onExit } from '../../test/support/cleanup.ts';
import { waitFor } from '../../test/support/ports.ts';
import { TestAgents } from './agents.ts';
import { repoRoot, runCli, startCli } from './run-cli.ts';

/**
 * The real CLI against a real nats-server and the real controller (child process); agents are
 * played by test code over NATS. Hosts are grouped by label so that each scenario owns its hosts.
 */
const controllerMain = join(repoRoot, 'services/controller/src/main.ts');
if (!existsSync(controllerMain)) {
  test('controller integration', () => {
    console.log('SKIP: services/controller/src/main.ts does not exist yet');
  });
  test.run();
} else {
  let nats: NatsServer;
  let controller: ChildProcess;
  let agents: TestAgents;
  let tmp: string;
  let env: Record<string, string>;
  const cli = (...args: string[]) => runCli(args, { env });
  const policyFile = (name: string, selector: string, extra = '', mtu = 9000) => {
    const f = join(tmp, `${name}.yaml`);
    writeFileSync(f, `apiVersion: fleetnet.io/v1
kind: HostNetworkPolicy
metadata:
  name: ${name}
spec:
  hostSelector:
    matchLabels:
      group: ${selector}
${extra}  desiredState:
    interfaces:
      - name: br-${selector}
        type: linux-bridge
        state: up
        mtu: ${mtu}
`);
    return f;
  };

  test.before(async () => {
    nats = await startNats();
    env = { FLEETNET_SERVER: nats.url };
    tmp = mkdtempSync(join(tmpdir(), 'fleetnet-cli-e2e-'));
    let out = '';
    controller = spawn(process.execPath, [join(repoRoot, 'services/controller/bin/fleetnet-controller.js'), '--server', nats.url, '--log-level', 'info'], { stdio: ['ignore', 'pipe', 'pipe'] });
    controller.stdout!.on('data', (d) => (out += d));
    controller.stderr!.on('data', (d) => (out += d));
    onExit(`cli-test-controller-${controller.pid}`, () => killPid(controller.pid, 'SIGKILL'));
    await waitFor(() => out.includes('"controller ready"') || controller.exitCode !== null, 60_000, 'controller ready');
    if (controller.exitCode !== null) throw new Error(`controller exited:\n${out}`);
    agents = await TestAgents.connect(nats.url);
    const ok = () => 'Applied' as const;
    await agents.start('web-1', { role: 'cli-test', group: 'web', rack: 'r1' }, ok);
    await agents.start('web-2', { role: 'cli-test', group: 'web', rack: 'r2' }, ok);
    await agents.start('bad-1', { role: 'cli-test', group: 'bad' }, () => 'Failed');
    await agents.start('mute-1', { role: 'cli-test', group: 'mute' }, () => 'silent');
    await agents.start('spare-1', { group: 'spare' }, ok);
    await waitFor(async () => {
      const r = await cli('get', 'hosts', '-o', 'json');
      return r.code === 0 && (JSON.parse(r.stdout) as ApiResponse<'hosts.list'>).total === 5;
    }, 60_000, 'five hosts registered');
  });

  test.after(async () => {
    await agents?.close();
    killPid(controller?.pid, 'SIGTERM');
    await nats?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  test('get hosts: table, -l selector, --phase, wide, json and yaml are the contracts types', async () => {
    const [table, sel, wide, json, yaml, one] = await Promise.all([
      cli('get', 'hosts'), cli('get', 'hosts', '-l', 'group=web'), cli('get', 'hosts', '-o', 'wide'),
      cli('get', 'hosts', '-o', 'json'), cli('get', 'hosts', '-o', 'yaml'), cli('get', 'host', 'web-1', '-o', 'json'),
    ]);
    for (const r of [table, sel, wide, json, yaml, one]) assert.is(r.code, 0, r.stderr);
    const lines = table.stdout.trim().split('\n');
    assert.equal(lines[0]!.split(/\s{3,}/), ['HOST', 'LABELS', 'DESIRED', 'APPLIED', 'SYNC', 'LAST SEEN', 'AGE']);
    assert.is(lines.length, 6);
    const hostCol = lines[0]!.indexOf('DESIRED');
    for (const l of lines.slice(1)) assert.is(l.slice(hostCol - 3, hostCol), '   ', `aligned: ${l}`);
    assert.equal(sel.stdout.trim().split('\n').slice(1).map((l) => l.split(' ')[0]).sort(), ['web-1', 'web-2']);
    assert.match(wide.stdout.split('\n')[0]!, 'REACHABLE');
    const list = JSON.parse(json.stdout) as ApiResponse<'hosts.list'>;
    assert.is(list.total, 5);
    for (const h of list.items) assert.ok(validateSchema(HostView, h).ok, JSON.stringify(h));
    assert.match(yaml.stdout, /^items:\n/);
    assert.match(yaml.stdout, /name: web-1/);
    const h = JSON.parse(one.stdout) as HostView;
    assert.is(h.name, 'web-1');
    assert.equal(h.labels, { role: 'cli-test', group: 'web', rack: 'r1' });
    assert.ok(validateSchema(HostView, h).ok);
  });

  test('plan: matched hosts and interface changes; publishes nothing', async () => {
    const f = policyFile('cli-web', 'web');
    const [r, j] = await Promise.all([cli('plan', '-f', f), cli('plan', '-f', f, '-o', 'json')]);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, 'policy cli-web: 2 hosts matched, 3 not matched');
    assert.match(r.stdout, 'host web-1');
    assert.match(r.stdout, 'host web-2');
    assert.match(r.stdout, '+ interfaces[br-web]');
    const plans = JSON.parse(j.stdout) as ApiResponse<'plan'>[];
    assert.equal(plans[0]!.matchedHosts.map((m) => m.host).sort(), ['web-1', 'web-2']);
    const pol = await cli('get', 'policies', '-o', 'json');
    assert.is((JSON.parse(pol.stdout) as ApiResponse<'policies.list'>).items.filter((p) => p.name === 'cli-web').length, 0, 'plan published nothing');
  });

  test('apply --wait: success is exit 0 with one progress line per change (not a TTY)', async () => {
    const r = await cli('apply', '-f', policyFile('cli-web', 'web'), '--wait', '--timeout', '60s');
    assert.is(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, 'policy/cli-web published');
    assert.match(r.stdout, /cli-web rev 1: Complete: done 2\/2, in progress 0, failed 0, pending 0/);
    assert.match(r.stdout, 'rollout complete: cli-web rev 1');
    assert.not.match(r.stdout, /\u001b\[/, 'no escape codes when not a TTY');
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('cli-web rev'));
    assert.is(new Set(lines).size, lines.length, 'each state printed once');
  });

  test('get policies / rollouts, rollout status, describe and history after the rollout', async () => {
    const [pols, polJson, ro, roYaml, status, describe, history, historyJson] = await Promise.all([
      cli('get', 'policies'), cli('get', 'policy', 'cli-web', '-o', 'json'), cli('get', 'rollouts', '-o', 'wide'),
      cli('get', 'rollouts', 'cli-web', '-o', 'yaml'), cli('rollout', 'status', 'cli-web'), cli('describe', 'host', 'web-1'),
      cli('history', 'host', 'web-1'), cli('history', 'host', 'web-1', '-o', 'json'),
    ]);
    for (const r of [pols, polJson, ro, roYaml, status, describe, history, historyJson]) assert.is(r.code, 0, r.stderr);
    assert.match(pols.stdout, /^NAME\s+REVISION\s+HOSTS\s+PRIORITY\s+AGE\n/);
    assert.match(pols.stdout, /cli-web\s+1\s+2\s+0\s/);
    const pv = JSON.parse(polJson.stdout) as PolicyView;
    assert.ok(validateSchema(PolicyView, pv).ok);
    assert.equal(pv.matchedHosts.sort(), ['web-1', 'web-2']);
    assert.match(ro.stdout, /cli-web\s+1\s+Complete\s+2\s+2\s+0\s+0\s+0/);
    assert.match(roYaml.stdout, /^policy: cli-web\n/);
    assert.match(status.stdout, 'done 2/2');
    assert.match(status.stdout, /web-1\s+Succeeded/);
    assert.match(describe.stdout, /Name:\s+web-1/);
    assert.match(describe.stdout, /Desired version:\s+1/);
    assert.match(describe.stdout, /Policies:\s+cli-web \(revision 1\)/);
    assert.match(describe.stdout, /PROPERTY\s+PATH\s+EXPECTED\s+ACTUAL\s+IN SYNC/);
    assert.match(describe.stdout, /mtu\s+interfaces\[br-web\]\.mtu\s+9000\s+9000\s+true/);
    assert.match(describe.stdout, 'Events:');
    assert.match(describe.stdout, /NICs:[\s\S]*eth0/);
    assert.match(history.stdout, /^VERSION\s+TIME\s+POLICIES\s+REASON\s+OUTCOME/);
    assert.match(history.stdout, /\n1\s+\S+\s+cli-web@1\s.*Applied/);
    const hist = JSON.parse(historyJson.stdout) as ApiResponse<'hosts.history'>;
    assert.is(hist.versions[0]!.outcome, 'Applied');
    const dj = await cli('describe', 'host', 'web-1', '-o', 'json');
    assert.is((JSON.parse(dj.stdout) as ApiResponse<'hosts.get'>).host.name, 'web-1');
  });

  test('a second revision, diff between versions, rollback to version 1', async () => {
    const r = await cli('apply', '-f', policyFile('cli-web', 'web', '', 1500), '--wait', '--timeout', '60s');
    assert.is(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, 'cli-web rev 2: Complete');
    const d = await cli('diff', 'host', 'web-1', '--from', '1', '--to', '2');
    assert.is(d.code, 0, d.stderr);
    assert.match(d.stdout, 'host web-1: version 1 -> 2');
    assert.match(d.stdout, '~ interfaces[br-web].mtu: 9000 -> 1500');
    const dj = await cli('diff', 'host', 'web-1', '--from', '1', '-o', 'json');
    assert.equal(JSON.parse(dj.stdout), [{ op: 'modify', path: 'interfaces[br-web].mtu', from: 9000, to: 1500 }]);
    const rb = await cli('rollback', 'host', 'web-1', '--to-version', '1');
    assert.is(rb.code, 0, rb.stderr);
    assert.match(rb.stdout, 'host/web-1 rollback to version 1 requested');
    await waitFor(async () => {
      const h = JSON.parse((await cli('history', 'host', 'web-1', '-o', 'json')).stdout) as ApiResponse<'hosts.history'>;
      return h.versions.some((v) => v.version === 3 && v.rollbackOf === 1);
    }, 30_000, 'version 3 rolling back to 1');
    const back = await cli('diff', 'host', 'web-1', '--from', '2', '--to', '3');
    assert.match(back.stdout, '~ interfaces[br-web].mtu: 1500 -> 9000');
    const missing = await cli('rollback', 'host', 'web-1', '--to-version', '99');
    assert.is(missing.code, 4);
    assert.match(missing.stderr, 'host web-1 has no desired version 99');
  });

  test('apply --wait: a halted rollout is exit 1 and names the failed host and why', async () => {
    const f = policyFile('cli-bad', 'bad', '  rollout:\n    failureThreshold: 1\n');
    const r = await cli('apply', '-f', f, '--wait', '--timeout', '60s');
    assert.is(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, 'error: rollout halted');
    assert.match(r.stderr, /cli-bad rev 1: Halted, 1 of 1 hosts failed/);
    assert.match(r.stderr, /bad-1: .*probe gateway failed on bad-1/);
  });

  test('apply --wait: a rollout that does not finish is exit 3 at --timeout', async () => {
    const r = await cli('apply', '-f', policyFile('cli-mute', 'mute'), '--wait', '--timeout', '4s');
    assert.is(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stderr, 'error: timed out after 4s waiting for the rollout');
    assert.match(r.stderr, /cli-mute rev 1: Progressing: done 0\/1, in progress 1/);
  });

  test('multi-document apply publishes every policy; rollout pause and resume', async () => {
    const r = await cli('apply', '-f', 'deploy/examples/cli-test-multi.yaml');
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, 'policy/cli-test-dns published\npolicy/cli-test-route published');
    await waitFor(async () => (await cli('get', 'policy', 'cli-test-route')).code === 0, 30_000, 'policy folded');
    const p = await cli('rollout', 'pause', 'cli-test-route');
    assert.is(p.code, 0, p.stderr);
    assert.match(p.stdout, 'rollout/cli-test-route paused (state Paused)');
    const s = await cli('get', 'rollouts', 'cli-test-route', '-o', 'json');
    assert.is((JSON.parse(s.stdout) as RolloutView).state, 'Paused');
    const res = await cli('rollout', 'resume', 'cli-test-route', '-o', 'json');
    assert.is(res.code, 0, res.stderr);
    assert.not.equal((JSON.parse(res.stdout) as RolloutView).state, 'Paused');
  });

  test('label host: set and remove; the host moves between selectors', async () => {
    const r = await cli('label', 'host', 'spare-1', 'rack=r9', 'group-');
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, 'host/spare-1 labeled');
    await waitFor(async () => {
      const h = JSON.parse((await cli('get', 'host', 'spare-1', '-o', 'json')).stdout) as HostView;
      return h.labels.rack === 'r9' && h.labels.group === undefined;
    }, 30_000, 'labels folded');
    const sel = await cli('get', 'hosts', '-l', 'rack=r9');
    assert.match(sel.stdout, /\nspare-1\s/);
  });

  test('watch events and watch hosts print live changes and stop on Ctrl-C with exit 0', async () => {
    const ev = startCli(['watch', 'events'], env);
    const hosts = startCli(['watch', 'hosts', '-l', 'group=web', '-o', 'json'], env);
    try {
      await waitFor(() => ev.out.stderr.includes('watching events') && hosts.out.stderr.includes('watching hosts'), 60_000, 'watchers ready');
      await waitFor(() => hosts.out.stdout.split('\n').filter(Boolean).length >= 2, 30_000, 'initial host rows');
      const l = await cli('label', 'host', 'web-2', 'watched=yes');
      assert.is(l.code, 0, l.stderr);
      await waitFor(() => ev.out.stdout.includes('host web-2 labels watched=yes'), 30_000, 'label event line');
      await waitFor(() => hosts.out.stdout.split('\n').some((line) => line.includes('"watched":"yes"')), 30_000, 'host update line');
      for (const line of hosts.out.stdout.trim().split('\n')) {
        const h = JSON.parse(line) as HostView;
        assert.ok(h.name.startsWith('web-'), 'selector applied');
      }
    } finally {
      assert.is(await ev.stop(), 0, ev.out.stderr);
      assert.is(await hosts.stop(), 0, hosts.out.stderr);
    }
  });

  test('unknown host or policy is exit 4 with one line, everywhere', async () => {
    const cmds = [
      ['get', 'host', 'nope'], ['describe', 'host', 'nope'], ['history', 'host', 'nope'], ['diff', 'host', 'nope', '--from', '1'],
      ['rollback', 'host', 'nope', '--to-version', '1'], ['label', 'host', 'nope', 'a=b'], ['delete', 'policy', 'nope'],
      ['get', 'policy', 'nope'], ['rollout', 'status', 'nope'],
    ];
    const runs = await Promise.all(cmds.map((c) => cli(...c)));
    runs.forEach((r, i) => {
      assert.is(r.code, 4, `${cmds[i]!.join(' ')}: ${r.stderr}`);
      assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, /^error: /);
    });
  });

  test('delete policy: exit 0, then the policy is gone (a second delete is exit 4)', async () => {
    const r = await cli('delete', 'policy', 'cli-test-dns');
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, 'policy/cli-test-dns deleted');
    await waitFor(async () => {
      const g = await cli('get', 'policy', 'cli-test-dns', '-o', 'json');
      return g.code === 4 || (g.code === 0 && (JSON.parse(g.stdout) as PolicyView).deleted);
    }, 30_000, 'delete folded');
    const again = await cli('delete', 'policy', 'cli-test-dns');
    assert.is(again.code, 4, again.stderr);
  });

  test.run();
}
