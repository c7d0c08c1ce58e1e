import type { ApiMethod, ApiRequest, ApiResponse, HostNetworkPolicy, HostView, SyncReportedData } from '@fleetnet/contracts';
import { EventTypes, parseEvent, subjects } from '@fleetnet/contracts';
import type { Fleet } from './fleet.ts';
import { waitFor } from './ports.ts';

/**
 * What the failover tests (nats-server restart, cluster leader kill) share: the policy they roll
 * out revision by revision, an API call that gives up quickly, and the wait for a revision with a
 * failure message that says where every host is and what its agent said last.
 */

/** data0 at `mtu` in a Linux bridge `bridge`, rolled out one host at a time to hosts with `role`. */
export function failoverPolicy(name: string, role: string, bridge: string, mtu: number): HostNetworkPolicy {
  return {
    apiVersion: 'fleetnet.io/v1',
    kind: 'HostNetworkPolicy',
    metadata: { name },
    spec: {
      hostSelector: { matchLabels: { role } },
      rollout: { maxUnavailable: 1 },
      desiredState: {
        interfaces: [
          { name: 'data0', state: 'up', mtu },
          { name: bridge, type: 'linux-bridge', state: 'up', bridge: { port: [{ name: 'data0' }] } },
        ],
      },
    },
  };
}

/** A process log without the per-command lines, for failure messages. */
export const logTail = (out: string, lines = 8) =>
  out.split('\n').filter((l) => l.trim() && !l.includes('"msg":"command')).slice(-lines).map((l) => l.slice(0, 300)).join('\n');

/** A controller API call with a 2 s timeout, so that a request lost in a failover does not hold a poll loop. */
export async function quickApi<M extends ApiMethod>(fleet: Fleet, method: M, body: ApiRequest<M>): Promise<ApiResponse<M>> {
  const r = await fleet.client.nc.request(subjects.api(method), JSON.stringify(body), { timeout: 2000 });
  const doc = r.json<ApiResponse<M> & { error?: { code: string; message: string } }>();
  if (doc.error) throw new Error(`${method}: ${doc.error.code} ${doc.error.message}`);
  return doc;
}

export const viewLine = (v: HostView) =>
  `${v.name}: desired v${v.desiredVersion} applied v${v.appliedVersion} reported v${v.reportedVersion} ${v.phase} inSync=${v.inSync} sources=${JSON.stringify(v.sources)}${v.lastError ? ` error: ${v.lastError.message}` : ''}`;

/**
 * Waits until every host applied, in sync, a version made of `revision` of `policy`, and its data0
 * really has `mtu` and sits in `bridge`. Returns undefined, or why not (views, the last lines of every
 * agent and of the controller process, and whatever `diagnose` adds).
 */
export async function waitRevision(
  fleet: Fleet,
  o: { policy: string; revision: number; mtu: number; bridge: string; timeoutMs: number; diagnose?: () => Promise<string> },
): Promise<string | undefined> {
  let views: HostView[] = [];
  try {
    await waitFor(async () => {
      views = await Promise.all(fleet.hosts.map(async (h) => (await quickApi(fleet, 'hosts.get', { name: h.name })).host));
      return views.every((v) => v.phase === 'Applied' && v.inSync === true && v.appliedVersion === v.desiredVersion
        && v.sources.some((s) => s.policy === o.policy && s.revision === o.revision));
    }, o.timeoutMs, `every host in sync with ${o.policy} revision ${o.revision} (controller's view)`, 200);
  } catch (e) {
    const logs = fleet.hosts.map((h) => `  --- agent ${h.name} (last lines):\n${logTail(h.agent?.output() ?? '').replace(/^/gm, '    ')}`);
    if (fleet.controller) logs.push(`  --- controller (last lines):\n${logTail(fleet.controller.output()).replace(/^/gm, '    ')}`);
    const extra = o.diagnose ? `\n${await o.diagnose()}` : '';
    return `${(e as Error).message}\n${views.map((v) => `  ${viewLine(v)}`).join('\n')}${extra}\n${logs.join('\n')}`;
  }
  const wrong: string[] = [];
  for (const h of fleet.hosts) {
    const [link] = h.ns.ipJson<{ mtu: number; master?: string }[]>('link', 'show', 'data0');
    if (link?.mtu !== o.mtu || link?.master !== o.bridge) wrong.push(`${h.name}: data0 mtu ${link?.mtu} master ${link?.master}, want mtu ${o.mtu} in ${o.bridge}`);
  }
  return wrong.length ? `the controller says revision ${o.revision} is applied, but:\n  ${wrong.join('\n  ')}` : undefined;
}

/**
 * Publishes `policy` and resolves as soon as the first host reports `Applying` for a version newer
 * than it had (`before`: host → desired version): the moment the failover tests pull the plug.
 * Returns the Applying reports seen by then.
 */
export async function applyUntilFirstApplying(fleet: Fleet, policy: HostNetworkPolicy, before: Record<string, number>, timeoutMs = 30_000) {
  const applying: { host: string; version: number }[] = [];
  let seen: () => void = () => undefined;
  const applyingSeen = new Promise<void>((r) => (seen = r));
  const sub = fleet.client.nc.subscribe('fleetnet.sync.*', {
    callback: (_e, m) => {
      const p = parseEvent(m.data, [EventTypes.syncReported]);
      if (!p.ok) return;
      const d = p.event.data as SyncReportedData;
      if (d.phase === 'Applying' && d.version > (before[d.host] ?? 0)) {
        applying.push({ host: d.host, version: d.version });
        seen();
      }
    },
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await fleet.applyPolicy(policy);
    await Promise.race([applyingSeen, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no host started applying ${policy.metadata.name} within ${timeoutMs / 1000} s`)), timeoutMs)))]);
  } finally {
    clearTimeout(timer);
    sub.unsubscribe();
  }
  return applying;
}
