/**
 * Generates the nats-server auth config and one credentials file per host:
 *
 *   pnpm tsx deploy/gen-auth.ts --hosts h1,h2,h3 --out /etc/fleetnet
 *
 * writes <out>/nats-auth.conf (include it from nats-server.conf) and <out>/creds/<user>.json
 * ({ user, password }), all mode 0600. Re-running rotates every password.
 */
import { Command } from 'commander';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nameProblem } from '@fleetnet/contracts';
import { authorizationConfig, type FleetAuth } from './auth.ts';

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
const secret = () => randomBytes(18).toString('base64url');
const auth: FleetAuth = {
  controller: { user: 'fleetnet-controller', password: secret() },
  operator: { user: 'fleetnet-operator', password: secret() },
  hosts: Object.fromEntries(hosts.map((h) => [h, { user: `agent-${h}`, password: secret() }])),
};
mkdirSync(join(opts.out, 'creds'), { recursive: true, mode: 0o700 });
writeFileSync(join(opts.out, 'nats-auth.conf'), authorizationConfig(auth), { mode: 0o600 });
for (const c of [auth.controller, auth.operator, ...Object.values(auth.hosts)]) {
  writeFileSync(join(opts.out, 'creds', `${c.user}.json`), `${JSON.stringify(c)}\n`, { mode: 0o600 });
}
console.log(`wrote ${join(opts.out, 'nats-auth.conf')} and ${hosts.length + 2} credential files`);
