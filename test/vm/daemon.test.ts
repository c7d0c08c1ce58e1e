import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { NetworkState } from '@fleetnet/contracts';
import { startNats, type NatsServer } from '../support/nats.ts';
import { waitFor } from '../support/ports.ts';
import { startControllerProcess, type Proc } from '../support/proc.ts';
import { testUnless } from '../support/skip.ts';
import { repoRoot } from '../support/vm-image.ts';
import { jsonDifferences, startVmHost, vmSkipReason, type VmHost } from '../support/vm.ts';

// The agent as it runs on a host — the daemon on the bus, and a crash mid-apply — in the VM, on a
// real kernel's bond and VLAN. The controller, nats-server and CLI run on this machine.
const run = promisify(execFile);
const skip = vmSkipReason();
let vm: VmHost;
let nats: NatsServer;
let controller: Proc;
let dir: string;

test.before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'fleetnet-vm-daemon-'));
  [vm, nats] = await Promise.all([startVmHost({ nics: 2 }), startNats()]);
  controller = await startControllerProcess({
    args: ['--server', nats.url, '--unreachable-after', '60', '--log-level', 'warn'],
    entry: [join(repoRoot, 'dist/fleetnet-controller.cjs')],
    logFile: join(dir, 'controller.log'),
  });
});
test.after(async () => {
  vm?.stop();
  await controller?.stop();
  await nats?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) => run(process.execPath, [join(repoRoot, 'dist/fleetnet.cjs'), '--server', nats.url, ...args], { cwd: repoRoot });
const ports = [{ name: 'eth1', type: 'ethernet' as const, state: 'up' as const }, { name: 'eth2', type: 'ethernet' as const, state: 'up' as const }];
const bondVlan = (mode: 'active-backup' | 'balance-xor', id: number): NetworkState => ({
  interfaces: [
    ...ports,
    { name: 'bond0', type: 'bond', 'link-aggregation': { mode, port: ['eth1', 'eth2'], options: { miimon: 100 } } },
    { name: `bond0.${id}`, type: 'vlan', vlan: { 'base-iface': 'bond0', id }, ipv4: { enabled: true, address: [{ ip: '198.51.100.1', 'prefix-length': 24 }] } },
  ],
});

testUnless(test, skip, 'the agent daemon in the VM applies a desired version a controller on the host published; the controller shows it in sync', async () => {
  await vm.sh(`(fleetnet-agent --state-dir /var/lib/fleetnet-daemon run --host vm1 --server nats://10.0.2.2:${nats.port} --label role=vmtest > /tmp/agent.log 2>&1 &)`);
  const policy = join(dir, 'policy.yaml');
  writeFileSync(policy, [
    'apiVersion: fleetnet.io/v1', 'kind: HostNetworkPolicy', 'metadata:', '  name: vm-bond', 'spec:',
    '  hostSelector:', '    matchLabels:', '      role: vmtest', '  desiredState:', '    interfaces:',
    '      - {name: eth1, type: ethernet, state: up}', '      - {name: eth2, type: ethernet, state: up}',
    '      - name: bond0', '        type: bond', '        link-aggregation: {mode: active-backup, port: [eth1, eth2], options: {miimon: 100}}',
    '      - name: bond0.200', '        type: vlan', '        vlan: {base-iface: bond0, id: 200}', '',
  ].join('\n'));
  // the agent needs a few seconds to start under TCG: the CLI waits for its hello through the rollout
  await waitFor(async () => /vm1/.test((await cli('get', 'hosts')).stdout), 180_000, 'vm1 said hello');
  const applied = await cli('apply', '-f', policy, '--wait', '--timeout', '180s').catch((e) => e);
  assert.match(applied.stdout, /rollout complete: vm-bond rev 1/, `${applied.stdout}${applied.stderr}\n--- agent ---\n${(await vm.exec('tail -20 /tmp/agent.log')).stdout}`);
  const hosts = JSON.parse((await cli('get', 'hosts', '-o', 'json')).stdout) as { name: string; inSync?: boolean; phase?: string }[];
  const vm1 = (Array.isArray(hosts) ? hosts : (hosts as { items: typeof hosts }).items).find((h) => h.name === 'vm1');
  assert.ok(vm1, 'the controller lists vm1');
  assert.is(vm1!.inSync, true, `vm1 in sync: ${JSON.stringify(vm1)}`);
  const vlan = await vm.link('bond0.200');
  assert.is(vlan.linkinfo.info_data.id, 200);
  assert.is(vlan.link, 'bond0');
  assert.is((await vm.link('bond0')).linkinfo.info_data.mode, 'active-backup');
  // the daemon goes, and what it made: the next test starts from eth1/eth2 alone
  await vm.sh('kill $(pidof node | tr " " "\\n" | while read p; do grep -q "fleetnet-agent.cjs" /proc/$p/cmdline && echo $p; done); ip link del bond0.200; ip link del bond0');
});

testUnless(test, skip, 'SIGKILL of the agent mid-apply of a bond+VLAN change; at restart the checkpoint is rolled back', async () => {
  const env = { FLEETNET_LOG_LEVEL: 'error', FLEETNET_STATE_DIR: '/var/lib/fleetnet-crash' };
  const first = await vm.apply(bondVlan('active-backup', 100), { env });
  assert.is(first.code, 0, first.stdout + first.stderr);
  const before = await vm.snapshot();
  await vm.write('/tmp/change.yaml', JSON.stringify(bondVlan('balance-xor', 101)));
  // pauses for good after the 3rd operation: the bond is half changed when the kill comes
  await vm.sh('(FLEETNET_PAUSE_AFTER_OP=3 FLEETNET_STATE_DIR=/var/lib/fleetnet-crash FLEETNET_LOG_LEVEL=error fleetnet-agent apply -f /tmp/change.yaml > /tmp/crash.out 2> /tmp/crash.err & echo $! > /tmp/crash.pid)');
  await waitFor(async () => (await vm.exec('grep -q FLEETNET_PAUSED /tmp/crash.err')).code === 0, 180_000, 'the agent paused after operation 3');
  await vm.sh('kill -9 $(cat /tmp/crash.pid)');
  const torn = await vm.snapshot();
  assert.ok(jsonDifferences(before, torn).length > 0, 'the kill left the kernel half changed');
  const restart = await vm.apply(bondVlan('active-backup', 100), { env });
  assert.match(restart.stdout, /recovered: rolled back an unfinished apply/, restart.stdout + restart.stderr);
  assert.match(restart.stdout, /nothing to do/, 'the rollback alone restored the state');
  // the rollback re-creates the bond (the mode changed): new links get new ifindexes, all else must match
  assert.equal(jsonDifferences(before, await vm.snapshot(), '', new Set(['ifindex'])), [], 'the kernel reads as before the crashed apply');
});

test.run();
