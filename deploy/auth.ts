import { assertName, Streams, subjects } from '@fleetnet/contracts';

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

/** Agents use a private inbox prefix so that no host can read replies meant for another. */
export const inboxPrefix = (host: string) => `_INBOX_${assertName(host, 'host name')}`;

export function agentPermissions(host: string) {
  return {
    publish: {
      allow: [
        subjects.hello(host),
        subjects.state(host),
        subjects.sync(host),
        subjects.heartbeat(host),
        // last desired message for its own subject only: the one JetStream read an agent may do
        `$JS.API.DIRECT.GET.${Streams.desired}.${subjects.desired(host)}`,
      ],
    },
    subscribe: { allow: [subjects.desired(host), `${inboxPrefix(host)}.>`] },
  };
}

/** Operators (CLI, CI pipelines) write intent and call the API; they never write desired state or reports. */
export function operatorPermissions() {
  return {
    publish: { allow: ['fleetnet.intent.policy.*', 'fleetnet.intent.host.*', 'fleetnet.api.>', '$JS.API.>'] },
    subscribe: { allow: ['_INBOX.>', 'fleetnet.>'] },
  };
}

const quote = (s: string) => JSON.stringify(s);
const list = (xs: string[]) => `[${xs.map(quote).join(', ')}]`;

function userBlock(c: Credentials, perms?: { publish: { allow: string[] }; subscribe: { allow: string[] } }): string {
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
