import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentPermissions, assertName, operatorPermissions, type SubjectPermissions } from '@fleetnet/contracts';

/**
 * The nats-server authorization block for a fleet: one user per agent that may publish only its own
 * reports and read only its own desired state, plus the controller and operators. This is DESIGN.md's
 * least-privilege model, enforced by the server (2.9 subject permissions), not by the agent's good will.
 */
export interface Credentials {
  user: string;
  password: string;
}

export interface FleetAuth {
  controller: Credentials;
  operator: Credentials;
  hosts: Record<string, Credentials>;
}

export { agentPermissions, inboxPrefix, operatorPermissions } from '@fleetnet/contracts';

const quote = (s: string) => JSON.stringify(s);
const list = (xs: string[]) => `[${xs.map(quote).join(', ')}]`;

function userBlock(c: Credentials, perms?: SubjectPermissions): string {
  const p = perms
    ? `, permissions: { publish: { allow: ${list(perms.publish.allow)} }, subscribe: { allow: ${list(perms.subscribe.allow)} } }`
    : '';
  return `    { user: ${quote(c.user)}, password: ${quote(c.password)}${p} }`;
}

/** nats-server config text (an `authorization` block) for the given credentials. */
export function authorizationConfig(auth: FleetAuth): string {
  const users = [
    userBlock(auth.controller),
    userBlock(auth.operator, operatorPermissions()),
    ...Object.entries(auth.hosts).map(([host, c]) => userBlock(c, agentPermissions(host))),
  ];
  return `authorization {\n  users = [\n${users.join(',\n')}\n  ]\n}\n`;
}

/** Fresh random passwords for the controller, the operators and every host (re-running rotates them). */
export function newFleetAuth(hosts: readonly string[]): FleetAuth {
  const secret = () => randomBytes(18).toString('base64url');
  return {
    controller: { user: 'fleetnet-controller', password: secret() },
    operator: { user: 'fleetnet-operator', password: secret() },
    hosts: Object.fromEntries(hosts.map((h) => [assertName(h, 'host name'), { user: `agent-${h}`, password: secret() }])),
  };
}

/**
 * Writes `<out>/nats-auth.conf` and `<out>/creds/<user>.json` ({user, password}: what every
 * `--creds` of agent, controller and CLI reads), all mode 0600. Returns the paths.
 */
export function writeFleetAuth(auth: FleetAuth, out: string): { conf: string; creds: (c: Credentials) => string } {
  mkdirSync(join(out, 'creds'), { recursive: true, mode: 0o700 });
  const conf = join(out, 'nats-auth.conf');
  writeFileSync(conf, authorizationConfig(auth), { mode: 0o600 });
  const creds = (c: Credentials) => join(out, 'creds', `${c.user}.json`);
  for (const c of [auth.controller, auth.operator, ...Object.values(auth.hosts)]) writeFileSync(creds(c), `${JSON.stringify(c)}\n`, { mode: 0o600 });
  return { conf, creds };
}
