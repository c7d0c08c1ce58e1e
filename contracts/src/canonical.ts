import { LINUX_CREATABLE, type Interface, type NetworkState, type Stp } from './state.ts';

/**
 * nmstate accepts several spellings of one thing (`ports` and `port`, `stp: true` and
 * `stp: {enabled: true}`, `group-fwd-mask`, and fleetnet's older `macvlan`). The agent plans and
 * compares one spelling: this turns a valid document into it. Pure; the input is not changed.
 */
export function canonicalInterface(i: Interface): Interface {
  const out: Interface = { ...i };
  if (out.type === 'macvlan') out.type = 'mac-vlan';
  // `macvlan` stays beside it so that errors can name the key the document used
  if (out.macvlan) out['mac-vlan'] ??= out.macvlan;
  for (const k of ['mac-vlan', 'mac-vtap'] as const) {
    const m = out[k];
    if (m?.['accept-all-mac'] !== undefined) {
      const { 'accept-all-mac': accept, ...rest } = m;
      out[k] = { ...rest, promiscuous: rest.promiscuous ?? accept };
    }
  }
  // newer nmstate's `parent` is the macsec's base-iface
  if (out.macsec?.parent !== undefined) {
    const { parent, ...rest } = out.macsec;
    out.macsec = { ...rest, 'base-iface': rest['base-iface'] ?? parent };
  }
  const la = out['link-aggregation'];
  if (la?.ports) {
    const { ports, ...rest } = la;
    out['link-aggregation'] = { ...rest, port: rest.port ?? ports };
  }
  if (la?.options) out['link-aggregation'] = { ...out['link-aggregation']!, options: bondOptionValues(la.options) };
  // nmstate has no vlan-filtering option: a linux bridge filters exactly when a port has a vlan block
  if (out.type === 'linux-bridge' && out.bridge?.port?.some((p) => p.vlan) && out.bridge.options?.['vlan-filtering'] === undefined) {
    out.bridge = { ...out.bridge, options: { ...out.bridge.options, 'vlan-filtering': true } };
  }
  const o = out.bridge?.options;
  const router = o?.['multicast-router'];
  if (o && (typeof o.stp === 'boolean' || o['group-fwd-mask'] !== undefined || typeof router === 'number' || o['group-addr'] !== undefined)) {
    const { 'group-fwd-mask': fwd, ...rest } = o;
    const options = { ...rest, stp: stpOf(o) };
    if (options.stp === undefined) delete options.stp;
    if (fwd !== undefined) options['group-forward-mask'] ??= fwd;
    // the kernel's multicast router modes by nmstate's names; a MAC in lower case
    if (typeof router === 'number') options['multicast-router'] = (['disabled', 'auto', 'enabled'] as const)[router];
    if (options['group-addr'] !== undefined) options['group-addr'] = options['group-addr'].toLowerCase();
    out.bridge = { ...out.bridge, options };
  }
  return out;
}

/**
 * A desired document in one spelling. Also nmstate's rule that `state: down` on a virtual interface
 * means it is gone (NetworkManager deletes a software link it deactivates): a typed virtual interface
 * that is down becomes absent. Only for documents: an actual state's down links stay down links.
 */
export function canonicalState(s: NetworkState): NetworkState {
  return s.interfaces ? { ...s, interfaces: s.interfaces.map((i) => downMeansAbsent(canonicalInterface(i))) } : s;
}

function downMeansAbsent(i: Interface): Interface {
  return i.state === 'down' && i.type !== undefined && LINUX_CREATABLE.has(i.type) ? { name: i.name, type: i.type, state: 'absent' } : i;
}

/**
 * Bond option values as the kernel reports them: booleans as 1/0, all_slaves_active's names as
 * numbers, a MAC in lower case, numbers given as strings (nmstate allows `miimon: '140'`) as numbers.
 */
function bondOptionValues(o: Record<string, string | number | boolean>): Record<string, string | number | boolean> {
  const names: Record<string, number> = { dropped: 0, delivered: 1 };
  return Object.fromEntries(Object.entries(o).map(([k, v]) => {
    if (typeof v === 'boolean') return [k, v ? 1 : 0];
    if (k === 'all_slaves_active' && typeof v === 'string' && v in names) return [k, names[v]!];
    if (k === 'ad_actor_system' && typeof v === 'string') return [k, v.toLowerCase()];
    if (typeof v === 'string' && /^\d+$/.test(v)) return [k, Number(v)];
    return [k, v];
  }));
}

/** A bridge's STP settings whichever way they were spelled. */
export function stpOf(options: { stp?: boolean | Stp } | undefined): Stp | undefined {
  const stp = options?.stp;
  return typeof stp === 'boolean' ? { enabled: stp } : stp;
}
