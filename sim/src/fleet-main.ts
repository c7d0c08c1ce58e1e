/**
 * pnpm sim-fleet: N simulated hosts (sim agents, each with eth0..eth3) that register with a fleetnet
 * controller through NATS and stay up until SIGINT or SIGTERM. Try policies on a thousand hosts from
 * a laptop, or test policies in CI before they reach production.
 */
import { parseArgs } from 'node:util';
import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { Labels, schemaErrors } from '@fleetnet/contracts';
import { SimAgent } from './agent.ts';

const HELP = `pnpm sim-fleet --server URL --hosts N [--labels k=v,...] [--prefix NAME]

Starts N simulated hosts that register with the fleetnet controller behind the NATS server at URL,
apply the desired state it publishes (in memory: no kernel is touched), report back, send
heartbeats, and stay up until SIGINT (Ctrl-C) or SIGTERM. Each host has four NICs, eth0..eth3, with
stable MAC addresses, and the labels given plus sim=true.

  --server URL     NATS server (default: $FLEETNET_SERVER or nats://127.0.0.1:4222)
  --hosts N        how many hosts (1 to 20000, default 10)
  --labels k=v,... labels every host gets (e.g. role=web,site=lab)
  --prefix NAME    host names are NAME00000, NAME00001, ... (default: sim-)
  --apply-ms MS    simulated time one apply takes (default 0)
  -h, --help       this text

Example, with a controller on the same server:
  pnpm sim-fleet --server nats://127.0.0.1:4222 --hosts 1000 --labels role=web
  fleetnet get hosts -l role=web
  fleetnet apply -f deploy/examples/demo/ && fleetnet rollout status POLICY

The hosts stay registered after the process ends: retire them with fleetnet retire HOST.
Runs against a server without auth, or with --creds of a user allowed to publish for those hosts
(e.g. the controller's): the generated agent users are one per host.`;

function fail(message: string): never {
  process.stderr.write(`sim-fleet: ${message}\n(see pnpm sim-fleet --help)\n`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    server: { type: 'string', default: process.env.FLEETNET_SERVER ?? 'nats://127.0.0.1:4222' },
    hosts: { type: 'string', default: '10' },
    labels: { type: 'string', default: '' },
    prefix: { type: 'string', default: 'sim-' },
    'apply-ms': { type: 'string', default: '0' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (values.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}
const count = Number(values.hosts);
if (!Number.isInteger(count) || count < 1 || count > 20_000) fail(`--hosts: "${values.hosts}" is not a whole number from 1 to 20000`);
const applyMs = Number(values['apply-ms']);
if (!Number.isInteger(applyMs) || applyMs < 0 || applyMs > 60_000) fail(`--apply-ms: "${values['apply-ms']}" is not a whole number of milliseconds up to 60000`);
if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,56}$/.test(values.prefix)) fail(`--prefix: "${values.prefix}" must start with a letter or digit and hold only letters, digits, "-" and "_" (at most 57)`);
const labels: Labels = { sim: 'true' };
for (const kv of values.labels.split(',').map((x) => x.trim()).filter(Boolean)) {
  const eq = kv.indexOf('=');
  if (eq <= 0) fail(`--labels: "${kv}" is not key=value`);
  labels[kv.slice(0, eq)] = kv.slice(eq + 1);
}
const labelErrors = schemaErrors(Labels, labels);
if (labelErrors.length) fail(`--labels: ${labelErrors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);

const nc = await connect({ servers: values.server.split(','), name: 'fleetnet-sim-fleet', maxReconnectAttempts: -1 }).catch((e: Error) => fail(`cannot reach ${values.server}: ${e.message}`));
const js = jetstream(nc, { timeout: 10_000 });
const agents = Array.from({ length: count }, (_, i) => new SimAgent({
  host: `${values.prefix}${String(i).padStart(5, '0')}`, index: i, nc, js, labels,
  ...(applyMs ? { executeDelayMs: applyMs } : {}),
}));
let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  process.stderr.write(`sim-fleet: ${signal}: stopping ${count} hosts\n`);
  clearInterval(beat);
  await Promise.all(agents.map((a) => a.stop()));
  await nc.drain().catch(() => nc.close());
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));

const queue = [...agents];
await Promise.all(Array.from({ length: Math.min(64, count) }, async () => {
  for (let a = queue.shift(); a && !stopping; a = queue.shift()) await a.start();
}));
// heartbeats spread over 5 s, like the agent's own interval
let slice = 0;
const beat = setInterval(() => {
  for (let i = slice; i < agents.length; i += 50) agents[i]!.heartbeat();
  slice = (slice + 1) % 50;
}, 100);
process.stdout.write(`sim-fleet: ${count} hosts up (${agents[0]!.host} .. ${agents[count - 1]!.host}) on ${values.server}, labels ${Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',')}; Ctrl-C stops them\n`);
