import { encodeEvent, EventTypes, type FleetEvent, type NetworkState } from '@fleetnet/contracts';

type Lists = { label: string; get(): unknown[] | undefined; set(v: unknown[]): void }[];

/** Halves the longest list until the event fits; false when it cannot (nothing left to cut). */
function shrink(ev: FleetEvent, lists: Lists, max: number, kept: Map<string, number>): boolean {
  while (encodeEvent(ev).byteLength > max) {
    const longest = lists.filter((l) => (l.get()?.length ?? 0) > 0).sort((a, b) => b.get()!.length - a.get()!.length)[0];
    if (!longest) return false;
    const list = longest.get()!;
    longest.set(list.slice(0, Math.floor(list.length / 2)));
    kept.set(longest.label, Math.floor(list.length / 2));
  }
  return true;
}

function stateLists(s: NetworkState): Lists {
  return [
    { label: 'interfaces', get: () => s.interfaces, set: (v) => (s.interfaces = v as never) },
    { label: 'routes', get: () => s.routes?.running, set: (v) => (s.routes!.running = v as never) },
    { label: 'route rules', get: () => s['route-rules']?.running, set: (v) => (s['route-rules']!.running = v as never) },
  ];
}

/**
 * A report too big for the bus (`max` bytes: the server's max_payload), made to fit by leaving the
 * tail of its longest lists out, and saying so in its `summarized` field: a state report keeps the
 * first interfaces and routes, a sync report the properties not in sync first, then the rest, and
 * the first operations. Undefined when it cannot fit (a hello, or a bus too small for any): the
 * caller drops it, so that one report never blocks the ones behind it.
 */
export function summarize(event: FleetEvent, max: number): FleetEvent | undefined {
  const bytes = encodeEvent(event).byteLength;
  const ev = structuredClone(event);
  const kept = new Map<string, number>();
  const totals: Record<string, number> = {};
  let lists: Lists;
  if (ev.type === EventTypes.stateReported) {
    lists = stateLists(ev.data.state);
  } else if (ev.type === EventTypes.syncReported) {
    const d = ev.data;
    if (d.results) d.results = [...d.results.filter((r) => !r.inSync), ...d.results.filter((r) => r.inSync)];
    lists = [
      { label: 'results', get: () => d.results, set: (v) => (d.results = v as never) },
      { label: 'operations', get: () => d.operations, set: (v) => (d.operations = v as never) },
    ];
  } else return undefined;
  for (const l of lists) totals[l.label] = l.get()?.length ?? 0;
  // room for the sentence itself
  if (!shrink(ev, lists, max - 400, kept)) return undefined;
  const parts = [...kept].map(([label, n]) => `${n} of ${totals[label]} ${label}`);
  (ev.data as { summarized?: string }).summarized =
    `report of ${bytes} bytes is more than the bus takes (max_payload ${max}): only the first ${parts.join(', ')} are here`;
  return encodeEvent(ev).byteLength <= max ? ev : undefined;
}
