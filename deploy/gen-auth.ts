/**
 * Generates the nats-server auth config and one credentials file per host:
 *
 *   pnpm tsx deploy/gen-auth.ts --hosts h1,h2,h3 --out /etc/fleetnet
 *
 * writes <out>/nats-auth.conf (include it from nats-server.conf) and <out>/creds/<user>.json
 * ({ user, password }), all mode 0600. Re-running rotates every password.
 */
import { Command } from 'commander';
import { join } from 'node:path';
import { nameProblem } from '@fleetnet/contracts';
import { newFleetAuth, writeFleetAuth } from './auth.ts';

const program = new Command('gen-auth')
  .requiredOption('--hosts <list>', 'comma-separated host names')
  .requiredOption('--out <dir>', 'output directory')
  .parse();
const opts = program.opts<{ hosts: string; out: string }>();
const hosts = opts.hosts.split(',').map((h) => h.trim()).filter(Boolean);
const bad = hosts.map((h) => nameProblem(h, 'host name')).filter(Boolean);
if (bad.length) {
  for (const b of bad) console.error(`gen-auth: ${b}`);
  process.exit(2);
}
const { conf } = writeFleetAuth(newFleetAuth(hosts), opts.out);
console.log(`wrote ${conf} and ${hosts.length + 2} credential files in ${join(opts.out, 'creds')}`);
