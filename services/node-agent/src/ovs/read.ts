import type { BridgePort, Interface, NetworkState, OvsBondMode, PortVlan, TrunkTag } from '@fleetnet/contracts';
import { OvsBondModes } from '@fleetnet/contracts';
import { mapOf, optional, rows, setOf, type OvsdbTable, type OvsRow } from './ovsdb.ts';
import type { Vsctl } from './vsctl.ts';


const BRIDGE_COLUMNS = ['_uuid', 'name', 'ports', 'datapath_type', 'stp_enable', 'rstp_enable', 'mcast_snooping_enable', 'fail_mode'];
const PORT_COLUMNS = ['_uuid', 'name', 'interfaces', 'tag', 'trunks', 'vlan_mode', 'bond_mode'];
const INTERFACE_COLUMNS = ['_uuid', 'name', 'type', 'error', 'options'];
const GLOBAL_COLUMNS = ['external_ids', 'other_config'];

export interface OvsTables {
  bridge: OvsdbTable;
  port: OvsdbTable;
  interface: OvsdbTable;
  /** the Open_vSwitch row (absent in tables read by older callers) */
  global?: OvsdbTable;
}

/** Sorted VLAN ids as trunk tags, runs of three or more as an id-range. */
function trunkTagsOf(ids: number[]): TrunkTag[] {
  const out: TrunkTag[] = [];
  for (let i = 0; i < ids.length;) {
    let j = i;
    while (j + 1 < ids.length && ids[j + 1] === ids[j]! + 1) j++;
    if (j - i >= 2) out.push({ 'id-range': { min: ids[i]!, max: ids[j]! } });
    else for (let k = i; k <= j; k++) out.push({ id: ids[k]! });
    i = j + 1;
  }
  return out;
}

/** OVS's own rule: without vlan_mode a port is an access port when it has a tag, else a trunk. */
function portVlan(p: OvsRow): PortVlan | undefined {
  const tag = optional<number>(p.tag);
  const trunks = (setOf(p.trunks) as number[]).slice().sort((a, b) => a - b);
  const mode = optional<string>(p.vlan_mode) ?? (tag !== undefined ? 'access' : 'trunk');
  const trunkTags = trunkTagsOf(trunks);
  switch (mode) {
    case 'access':
      return tag !== undefined ? { mode: 'access', tag } : undefined;
    case 'trunk':
      // A trunk of every VLAN is OVS's default for an untagged port: nothing to report.
      return trunks.length ? { mode: 'trunk', 'trunk-tags': trunkTags } : undefined;
    case 'native-untagged':
    case 'native-tagged':
      return { mode: 'trunk', ...(tag !== undefined ? { tag } : {}), 'trunk-tags': trunkTags };
    default:
      // dot1q-tunnel and future modes have no nmstate form; reporting nothing beats reporting wrong.
      return undefined;
  }
}

const OVS_BOND_MODES: ReadonlySet<string> = new Set(OvsBondModes);

/**
 * Pure: OVS's bridge/port/interface tables as contracts interfaces. A bridge becomes an `ovs-bridge`
 * (its own internal port, named like the bridge, is the bridge entry itself and not listed as a port);
 * every other internal interface becomes an `ovs-interface` whose `controller` is its bridge.
 * System ports (veths, NICs) appear only in their bridge's `bridge.port`; the linux backend reports the links.
 */
export function ovsStateFromTables(t: OvsTables): NetworkState {
  const ifaces = new Map(rows(t.interface).map((r) => [String(setOf(r._uuid)[0]), r]));
  const ports = new Map(rows(t.port).map((r) => [String(setOf(r._uuid)[0]), r]));
  const out: Interface[] = [];
  const internals: Interface[] = [];
  for (const br of rows(t.bridge)) {
    const brName = String(br.name);
    const brPorts: BridgePort[] = [];
    for (const pid of setOf(br.ports)) {
      const p = ports.get(String(pid));
      if (!p) continue;
      const name = String(p.name);
      const members = setOf(p.interfaces).map((id) => ifaces.get(String(id))).filter((x): x is OvsRow => !!x);
      if (name === brName) continue;
      const entry: BridgePort = { name };
      const vlan = portVlan(p);
      if (vlan) entry.vlan = vlan;
      if (members.length > 1) {
        const mode = optional<string>(p.bond_mode) ?? 'active-backup';
        entry['link-aggregation'] = {
          mode: (OVS_BOND_MODES.has(mode) ? mode : 'active-backup') as OvsBondMode,
          port: members.map((m) => ({ name: String(m.name) })).sort((a, b) => a.name.localeCompare(b.name)),
        };
      } else if (members[0] && members[0].type === 'internal') {
        internals.push({ name: String(members[0].name), type: 'ovs-interface', controller: brName });
      } else if (members[0] && members[0].type === 'patch') {
        // a patch port has no netdev: OVS is the only place it exists
        const peer = mapOf(members[0].options).peer;
        internals.push({ name: String(members[0].name), type: 'ovs-interface', state: 'up', controller: brName, ...(peer ? { patch: { peer } } : {}) });
      }
      brPorts.push(entry);
    }
    brPorts.sort((a, b) => a.name.localeCompare(b.name));
    const datapath = String(br.datapath_type ?? '') === 'netdev' ? 'netdev' : 'system';
    const failMode = optional<string>(br.fail_mode) ?? '';
    out.push({
      name: brName,
      type: 'ovs-bridge',
      bridge: {
        options: {
          datapath,
          stp: { enabled: br.stp_enable === true },
          rstp: br.rstp_enable === true,
          'mcast-snooping-enable': br.mcast_snooping_enable === true,
          'fail-mode': failMode === 'standalone' || failMode === 'secure' ? failMode : '',
        },
        port: brPorts,
      },
    });
  }
  const state: NetworkState = { interfaces: [...out, ...internals.sort((a, b) => a.name.localeCompare(b.name))] };
  const g = t.global ? rows(t.global)[0] : undefined;
  if (g) state['ovs-db'] = { external_ids: mapOf(g.external_ids), other_config: mapOf(g.other_config) };
  return state;
}

/** Interfaces OVS reports an error for (e.g. "could not open network device"), by name. */
export function interfaceErrors(table: OvsdbTable): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of rows(table)) {
    const err = optional<string>(r.error);
    if (err) out.set(String(r.name), err);
  }
  return out;
}

/** One ovs-vsctl process reads all three tables; undefined when OVS is not installed or not running. */
export async function listOvsTables(vsctl: Vsctl): Promise<OvsTables | undefined> {
  const r = await vsctl.run([
    '--format=json',
    '--', `--columns=${BRIDGE_COLUMNS.join(',')}`, 'list', 'Bridge',
    '--', `--columns=${PORT_COLUMNS.join(',')}`, 'list', 'Port',
    '--', `--columns=${INTERFACE_COLUMNS.join(',')}`, 'list', 'Interface',
    '--', `--columns=${GLOBAL_COLUMNS.join(',')}`, 'list', 'Open_vSwitch',
  ], { timeoutS: 10, quiet: true });
  if (r.unavailable) return undefined;
  if (r.exitCode !== 0) throw new Error(`${r.argv.join(' ')} failed (exit ${r.exitCode}): ${r.stderr.trim()}`);
  const tables = r.stdout.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as OvsdbTable);
  const [bridge, port, iface, global] = tables;
  if (!bridge || !port || !iface || !global) throw new Error(`ovs-vsctl printed ${tables.length} tables, expected 4`);
  return { bridge, port, interface: iface, global };
}

/** No OVS (not installed, not running) reads as no bridges. */
export async function readOvs(vsctl: Vsctl): Promise<NetworkState> {
  const tables = await listOvsTables(vsctl);
  return tables ? ovsStateFromTables(tables) : { interfaces: [] };
}
