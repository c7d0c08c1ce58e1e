import { assertName } from './names.ts';
import { Streams, subjects } from './subjects.ts';

/**
 * DESIGN.md's least-privilege model as nats-server 2.9 subject permissions: what each kind of NATS
 * user may publish and subscribe to. deploy writes it into the server's config; the agent connects
 * with the inbox prefix it allows.
 */
export interface SubjectPermissions {
  publish: { allow: string[] };
  subscribe: { allow: string[] };
}

/** Agents use a private inbox prefix so that no host can read replies meant for another. */
export const inboxPrefix = (host: string) => `_INBOX_${assertName(host, 'host name')}`;

/** An agent publishes only its own reports and reads only its own desired state. */
export function agentPermissions(host: string): SubjectPermissions {
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

/**
 * Operators (CLI, CI pipelines) write intent and call the API; they never write desired state,
 * reports or pool allocations (fleetnet.alloc.<pool>: the controllers' alone, like desired state).
 */
export function operatorPermissions(): SubjectPermissions {
  return {
    publish: { allow: ['fleetnet.intent.policy.*', 'fleetnet.intent.host.*', 'fleetnet.intent.pool.*', 'fleetnet.api.>', '$JS.API.>'] },
    subscribe: { allow: ['_INBOX.>', 'fleetnet.>'] },
  };
}
