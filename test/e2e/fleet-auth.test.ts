/**
 * The fleet with DESIGN.md's security model switched on: the nats-server has one user per host
 * (deploy/auth.ts), and the agents, the controller and the CLI connect with the `--creds` files that
 * deploy/gen-auth.ts writes. A host's user is confined to its own subjects.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { Streams, subjects } from '@fleetnet/contracts';
import { inboxPrefix } from '../../deploy/auth.ts';
import { kernelLink, repoRoot, startFleet, type Fleet } from '../support/fleet.ts';
import { waitFor } from '../support/ports.ts';

const run = promisify(execFile);
let fleet: Fleet;

test.before(async () => {
  fleet = await startFleet({ auth: true, hosts: [{ name: 'a1', labels: { role: 'sec' } }, { name: 'a2', labels: { role: 'sec' } }] });
});
test.after(async () => {
  await fleet?.stop();
});

const credsFile = (user: string) => join(fleet.dir, 'auth', 'creds', `${user}.json`);

test('agents, controller and CLI work with the generated credentials: a rollout converges', async () => {
  const file = join(fleet.dir, 'sec-mtu.yaml');
  writeFileSync(file, [
    'apiVersion: fleetnet.io/v1', 'kind: HostNetworkPolicy', 'metadata:', '  name: sec-mtu', 'spec:',
    '  hostSelector:', '    matchLabels:', '      role: sec', '  desiredState:', '    interfaces:',
    '      - name: data0', '        state: up', '        mtu: 9000', '',
  ].join('\n'));
  const cli = [join(repoRoot, 'cli/bin/fleetnet.js'), '--server', fleet.natsUrl, '--creds', credsFile('fleetnet-operator')];
  const applied = await run(process.execPath, [...cli, 'apply', '-f', file, '--wait', '--timeout', '60s'], { cwd: repoRoot });
  assert.match(applied.stdout, /rollout complete: sec-mtu rev 1/);
  await fleet.waitInSync(['a1', 'a2'], 30_000);
  for (const h of fleet.hosts) assert.is((await kernelLink(h, 'data0'))?.mtu, 9000, `${h.name}: data0 MTU`);
  // no user, no entry: the server refuses an anonymous CLI
  const anonymous = await run(process.execPath, [cli[0]!, '--server', fleet.natsUrl, 'get', 'hosts'], { cwd: repoRoot }).then(() => 0, (e) => e.code as number);
  assert.is(anonymous, 5, 'without --creds the CLI is refused (exit 5)');
});

test("a host's user reads only its own desired state and cannot forge another host's reports", async () => {
  const a1 = JSON.parse(readFileSync(credsFile('agent-a1'), 'utf8')) as { user: string; password: string };
  const nc = await connect({ servers: fleet.natsUrl, user: a1.user, pass: a1.password, inboxPrefix: inboxPrefix('a1') });
  try {
    const own = await nc.request(`$JS.API.DIRECT.GET.${Streams.desired}.${subjects.desired('a1')}`, undefined, { timeout: 3000 });
    assert.ok(own.string().includes('"host":"a1"'), 'its own desired state');
    const other = await nc.request(`$JS.API.DIRECT.GET.${Streams.desired}.${subjects.desired('a2')}`, undefined, { timeout: 2000 }).then(
      (m) => m.string(),
      (e: Error) => `refused: ${e.message}`,
    );
    assert.match(other, /^refused/, "another host's desired state is out of reach");
    nc.publish(subjects.sync('a2'), JSON.stringify({ forged: true }));
    nc.publish(subjects.sync('a1'), JSON.stringify({ own: true }));
    await nc.flush().catch(() => undefined);
    const jsm = await jetstreamManager(fleet.client.nc);
    const last = async (subject: string) => new TextDecoder().decode((await jsm.streams.getMessage(Streams.reports, { last_by_subj: subject }))?.data ?? new Uint8Array());
    // its own subject is open to it (the controller refuses what is not a valid report, see fleet.test.ts)
    await waitFor(async () => (await last(subjects.sync('a1'))).includes('"own"'), 5000, 'a1 may publish on its own sync subject');
    assert.not.match(await last(subjects.sync('a2')), /forged/, "the server dropped a1's publish on a2's subject");
  } finally {
    await nc.close().catch(() => undefined);
  }
});

test.run();
