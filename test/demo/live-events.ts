import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { DesiredPublishedData, SyncReportedData } from '@fleetnet/contracts';
import { EventTypes, parseEvent } from '@fleetnet/contracts';

/**
 * Prints the rollout as it happens, from the events themselves: every desired version the
 * controller publishes and every sync report an agent sends (core subscriptions see the same
 * messages JetStream stores).
 */
export function printLiveEvents(nc: NatsConnection, write: (line: string) => void, startedAt = Date.now()): () => void {
  const at = () => `${((Date.now() - startedAt) / 1000).toFixed(1).padStart(6)}s`;
  const subs: Subscription[] = [
    nc.subscribe('fleetnet.desired.>', {
      callback: (_e, m) => {
        const p = parseEvent(m.data, [EventTypes.desiredPublished]);
        if (!p.ok) return;
        const d = p.event.data as DesiredPublishedData;
        const from = d.sources.map((s) => `${s.policy} r${s.revision}`).join(', ') || 'no policy';
        write(`${at()}  ${d.host.padEnd(10)} desired v${d.version} published (${from})`);
      },
    }),
    nc.subscribe('fleetnet.sync.>', {
      callback: (_e, m) => {
        const p = parseEvent(m.data, [EventTypes.syncReported]);
        if (!p.ok) return;
        write(`${at()}  ${(p.event.data as SyncReportedData).host.padEnd(10)} ${syncText(p.event.data as SyncReportedData)}`);
      },
    }),
  ];
  return () => subs.forEach((s) => s.unsubscribe());
}

export function syncText(s: SyncReportedData): string {
  const parts = [`v${s.version} ${s.phase}`];
  if (s.phase === 'Applied') parts.push(s.inSync ? 'in sync' : 'NOT in sync');
  if (s.operations?.length) parts.push(`${s.operations.length} operations`);
  if (s.timings?.totalMs !== undefined) parts.push(`${Math.round(s.timings.totalMs)} ms`);
  if (s.attempt && s.attempt > 1) parts.push(`attempt ${s.attempt}`);
  const drifted = (s.results ?? []).filter((r) => !r.inSync).map((r) => `${r.path}: want ${JSON.stringify(r.expected)}, have ${JSON.stringify(r.actual)}`);
  if (s.phase !== 'Applying' && drifted.length) parts.push(drifted.slice(0, 3).join('; '));
  if (s.error) parts.push(`${s.error.message}${s.error.probe ? ` (probe: ${s.error.probe})` : ''}`);
  return parts.join(', ');
}
