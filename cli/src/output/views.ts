import type { HostView, LabelSelector, PolicyView, RolloutView } from '@fleetnet/contracts';
import { phaseColor, type Colors } from './color.ts';
import { renderTable } from './table.ts';
import { age } from './time.ts';

/** The tables of `fleetnet get`: what an operator scans first, wider columns behind `-o wide`. */

export const labelsText = (labels: Record<string, string>) =>
  Object.keys(labels).length ? Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',') : '<none>';

export function selectorText(sel: LabelSelector | undefined): string {
  if (!sel) return '<all>';
  const parts = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel.matchExpressions ?? []) {
    if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
    else parts.push(`${e.key} ${e.operator.toLowerCase()} (${(e.values ?? []).join(',')})`);
  }
  return parts.length ? parts.join(',') : '<all>';
}

const paintPhase = (c: Colors, p: string) => {
  const color = phaseColor(p);
  return color ? c.paint(color, p) : p;
};

export function hostSync(h: HostView): string {
  if (h.retired) return 'Retired';
  return h.phase;
}

export function hostsTable(hosts: readonly HostView[], wide: boolean, c: Colors, now = Date.now()): string {
  const headers = ['HOST', 'LABELS', 'DESIRED', 'APPLIED', 'SYNC', 'LAST SEEN', 'AGE'];
  if (wide) headers.push('IN SYNC', 'REACHABLE', 'POLICIES', 'AGENT', 'CONDITIONS');
  const rows = hosts.map((h) => {
    const row = [
      h.name, labelsText(h.labels), String(h.desiredVersion), String(h.appliedVersion),
      paintPhase(c, hostSync(h)), age(h.lastSeen, now), age(h.registeredAt, now),
    ];
    if (wide) {
      row.push(
        h.inSync === null ? 'unknown' : paintPhase(c, h.inSync ? 'yes' : 'no'),
        h.reachable ? 'yes' : c.paint('red', 'no'),
        h.sources.map((s) => `${s.policy}@${s.revision}`).join(',') || '<none>',
        h.agentVersion ?? '<none>',
        h.conditions.filter((x) => x.status === 'True').map((x) => x.type).join(',') || '<none>',
      );
    }
    return row;
  });
  return renderTable(headers, rows);
}

export function policiesTable(policies: readonly PolicyView[], wide: boolean, c: Colors, now = Date.now()): string {
  const headers = ['NAME', 'REVISION', 'HOSTS', 'PRIORITY', 'AGE'];
  if (wide) headers.push('SELECTOR', 'MATCHED', 'CONDITIONS', 'UPDATED');
  const rows = policies.map((p) => {
    const row = [
      p.deleted ? `${p.name} (deleted)` : p.name, String(p.revision), String(p.matchedHosts.length),
      String(p.policy.spec.priority ?? 0), age(p.createdAt, now),
    ];
    if (wide) {
      row.push(
        selectorText(p.policy.spec.hostSelector),
        p.matchedHosts.join(',') || '<none>',
        p.conditions.filter((x) => x.status === 'True').map((x) => c.paint('yellow', x.type)).join(',') || '<none>',
        age(p.updatedAt, now),
      );
    }
    return row;
  });
  return renderTable(headers, rows);
}

export function rolloutsTable(rollouts: readonly RolloutView[], wide: boolean, c: Colors, now = Date.now()): string {
  const headers = ['POLICY', 'REVISION', 'STATE', 'HOSTS', 'DONE', 'IN PROGRESS', 'FAILED', 'PENDING', 'AGE'];
  if (wide) headers.push('MAX UNAVAILABLE', 'CANARY', 'THRESHOLD', 'FAILURES');
  const rows = rollouts.map((r) => {
    const row = [
      r.policy, String(r.revision), paintPhase(c, r.state), String(r.counts.total), String(r.counts.succeeded),
      String(r.counts.inProgress), r.counts.failed ? c.paint('red', String(r.counts.failed)) : '0', String(r.counts.pending),
      age(r.startedAt, now),
    ];
    if (wide) {
      row.push(
        String(r.maxUnavailable), String(r.canary), String(r.failureThreshold),
        r.failures.map((f) => `${f.host}: ${f.reason}`).join('; ') || '<none>',
      );
    }
    return row;
  });
  return renderTable(headers, rows);
}
