/**
 * Pure: `lldpcli show neighbors -f json` (or `show interfaces`) as nmstate reports neighbours: per
 * interface, a list of neighbours, each a list of TLVs (chassis ID, port ID, system name and
 * description). lldpcli's JSON gives one object where there is one entry and an array where there are
 * several, and keys the chassis by its system name when it has one.
 */
type Json = Record<string, unknown>;
const list = (x: unknown): Json[] => (Array.isArray(x) ? (x as Json[]) : x && typeof x === 'object' ? [x as Json] : []);
const entries = (x: unknown): [string, Json][] => list(x).flatMap((o) => Object.entries(o) as [string, Json][]);

/** lldpcli's id types → nmstate's (IEEE 802.1AB subtype numbers) */
const CHASSIS_ID_TYPE: Record<string, number> = { ifalias: 1, mac: 4, ip: 5, ifname: 6, local: 7 };
const PORT_ID_TYPE: Record<string, number> = { ifalias: 1, mac: 3, ip: 4, ifname: 5, local: 7 };

function chassisOf(c: unknown): { name?: string; body: Json } | undefined {
  const o = list(c)[0];
  if (!o) return undefined;
  if ('id' in o) return { body: o };
  const [name, body] = Object.entries(o)[0] ?? [];
  return body && typeof body === 'object' ? { name, body: body as Json } : undefined;
}

export function neighborTlvs(n: Json): Json[] {
  const tlvs: Json[] = [];
  const ch = chassisOf(n.chassis);
  const cid = ch?.body.id as Json | undefined;
  if (cid) tlvs.push({ type: 1, _description: 'Chassis ID', 'chassis-id': cid.value, 'chassis-id-type': CHASSIS_ID_TYPE[String(cid.type)] ?? 7 });
  const pid = (list(n.port)[0]?.id ?? undefined) as Json | undefined;
  if (pid) tlvs.push({ type: 2, _description: 'Port ID', 'port-id': pid.value, 'port-id-type': PORT_ID_TYPE[String(pid.type)] ?? 7 });
  if (ch?.name) tlvs.push({ type: 5, _description: 'System name', 'system-name': ch.name });
  if (typeof ch?.body.descr === 'string') tlvs.push({ type: 6, _description: 'System description', 'system-description': ch.body.descr });
  return tlvs;
}

/** interface → its neighbours' TLV lists */
export function parseNeighbors(doc: unknown): Map<string, Json[][]> {
  const out = new Map<string, Json[][]>();
  for (const [iface, n] of entries((doc as Json | undefined)?.lldp && ((doc as Json).lldp as Json).interface)) {
    out.set(iface, [...(out.get(iface) ?? []), neighborTlvs(n)]);
  }
  return out;
}

/** the interfaces a running lldpd serves (`show interfaces`), whatever its JSON's shape */
export function parseInterfaces(doc: unknown): string[] {
  return [...new Set(entries((doc as Json | undefined)?.lldp && ((doc as Json).lldp as Json).interface).map(([name]) => name))];
}
