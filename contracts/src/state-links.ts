import { Type, type Static } from '@sinclair/typebox';
import { IFNAME_PATTERN } from './names.ts';

/**
 * The sections of an interface by kind (bond, vlan, bridge, veth, mac-vlan, vrf, ipvlan, macsec,
 * vxlan, SR-IOV, ethernet, LLDP, …), in nmstate's spelling; state.ts puts them together into an
 * Interface and a NetworkState.
 */

export const IfName = Type.String({ pattern: IFNAME_PATTERN, description: 'Linux interface name (1-15 characters)' });

export const MacAddress = Type.String({
  pattern: '^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$',
  description: 'MAC address: six hex bytes separated by ":", e.g. 02:00:00:00:00:01',
});

export const literalUnion = <T extends string>(values: readonly T[], description: string) =>
  Type.Union(values.map((v) => Type.Literal(v)), { description });

export const BondModes = [
  'balance-rr', 'active-backup', 'balance-xor', 'broadcast', '802.3ad', 'balance-tlb', 'balance-alb',
  // OVS bond modes
  'balance-slb', 'balance-tcp',
] as const;

/** Per-port settings of a kernel bond (`ip link set P type bond_slave queue_id N prio N`). */
export const BondPortConfig = Type.Object(
  {
    name: IfName,
    priority: Type.Optional(Type.Integer({ minimum: -2147483648, maximum: 2147483647, description: 'port priority for primary reselection (kernel 6.0+)' })),
    'queue-id': Type.Optional(Type.Integer({ minimum: 0, maximum: 65535, description: 'transmit queue of this port' })),
  },
  { additionalProperties: false },
);
export type BondPortConfig = Static<typeof BondPortConfig>;

export const LinkAggregation = Type.Object(
  {
    mode: literalUnion(BondModes, 'bond mode'),
    port: Type.Optional(Type.Array(IfName)),
    ports: Type.Optional(Type.Array(IfName, { description: "nmstate's other spelling of port" })),
    'ports-config': Type.Optional(Type.Array(BondPortConfig)),
    options: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]))),
  },
  { additionalProperties: false },
);

export const VlanId = Type.Integer({ minimum: 1, maximum: 4094, description: '802.1Q VLAN id 1..4094' });

export const Vlan = Type.Object(
  {
    'base-iface': IfName,
    id: VlanId,
    protocol: Type.Optional(literalUnion(['802.1q', '802.1ad'] as const, 'VLAN protocol (802.1ad: QinQ service tag)')),
    'registration-protocol': Type.Optional(literalUnion(['gvrp', 'mvrp', 'none'] as const, 'VLAN registration protocol')),
    'reorder-headers': Type.Optional(Type.Boolean({ description: 'hand frames up without their VLAN header (the kernel default: on)' })),
    'loose-binding': Type.Optional(Type.Boolean({ description: 'the VLAN\'s state does not follow its base interface' })),
  },
  { additionalProperties: false },
);

/** One trunk entry: exactly one of `id` and `id-range`. */
export const TrunkTag = Type.Object(
  {
    id: Type.Optional(VlanId),
    'id-range': Type.Optional(Type.Object({ min: VlanId, max: VlanId }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
export type TrunkTag = Static<typeof TrunkTag>;

export const PortVlan = Type.Object(
  {
    mode: Type.Optional(literalUnion(['access', 'trunk'] as const, 'port VLAN mode')),
    tag: Type.Optional(VlanId),
    'enable-native': Type.Optional(Type.Boolean({ description: 'trunk: `tag` is the native (untagged) VLAN' })),
    'trunk-tags': Type.Optional(Type.Array(TrunkTag)),
  },
  { additionalProperties: false },
);
export type PortVlan = Static<typeof PortVlan>;

export const OvsBondModes = ['active-backup', 'balance-slb', 'balance-tcp'] as const;
export type OvsBondMode = (typeof OvsBondModes)[number];
export const OvsBondPort = Type.Object(
  {
    mode: literalUnion(OvsBondModes, 'OVS bond mode'),
    port: Type.Array(Type.Object({ name: IfName }, { additionalProperties: false }), { minItems: 2 }),
  },
  { additionalProperties: false },
);

export const BridgePort = Type.Object(
  {
    name: IfName,
    vlan: Type.Optional(PortVlan),
    'link-aggregation': Type.Optional(OvsBondPort),
    // linux-bridge ports (ip link set P type bridge_slave ...)
    'stp-priority': Type.Optional(Type.Integer({ minimum: 0, maximum: 63, description: 'STP port priority 0..63' })),
    'stp-path-cost': Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: 'STP path cost 1..65535' })),
    'stp-hairpin-mode': Type.Optional(Type.Boolean({ description: 'send frames back out the port they came in on' })),
  },
  { additionalProperties: false },
);
export type BridgePort = Static<typeof BridgePort>;

/** STP of a bridge; times in seconds (the kernel keeps hundredths). */
export const Stp = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean()),
    'hello-time': Type.Optional(Type.Integer({ minimum: 1, maximum: 10, description: 'seconds 1..10' })),
    'forward-delay': Type.Optional(Type.Integer({ minimum: 2, maximum: 30, description: 'seconds 2..30' })),
    'max-age': Type.Optional(Type.Integer({ minimum: 6, maximum: 40, description: 'seconds 6..40' })),
    priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535, description: 'bridge priority 0..65535' })),
  },
  { additionalProperties: false },
);
export type Stp = Static<typeof Stp>;

const GroupForwardMask = Type.Integer({
  minimum: 0, maximum: 65535, description: 'bit N forwards 01:80:C2:00:00:0N; the kernel refuses bits 0-2',
});

export const Bridge = Type.Object(
  {
    options: Type.Optional(
      Type.Object(
        {
          stp: Type.Optional(Type.Union([Type.Boolean(), Stp], { description: 'true/false, or {enabled, hello-time, forward-delay, max-age, priority}' })),
          'vlan-filtering': Type.Optional(Type.Boolean()),
          datapath: Type.Optional(literalUnion(['system', 'netdev'] as const, 'OVS datapath type')),
          // linux-bridge (nmstate's names; times in seconds as nmstate has them)
          'mac-ageing-time': Type.Optional(Type.Integer({ minimum: 0, maximum: 1000000, description: 'seconds a learned MAC is kept' })),
          'group-forward-mask': Type.Optional(GroupForwardMask),
          'group-fwd-mask': Type.Optional(GroupForwardMask),
          'multicast-snooping': Type.Optional(Type.Boolean()),
          'hash-max': Type.Optional(Type.Integer({ minimum: 1, maximum: 4294967295, description: 'size of the multicast group table' })),
          'vlan-protocol': Type.Optional(literalUnion(['802.1q', '802.1ad'] as const, 'VLAN protocol of a filtering bridge')),
          'group-addr': Type.Optional(Type.String({ pattern: '^01:80:[cC]2:00:00:0[0-9A-Fa-f]$', description: 'STP group address 01:80:C2:00:00:0X' })),
          'multicast-router': Type.Optional(Type.Union([literalUnion(['auto', 'disabled', 'enabled'] as const, 'multicast router'), Type.Integer({ minimum: 0, maximum: 2 })], { description: 'auto, disabled, enabled (or 1, 0, 2)' })),
          'multicast-querier': Type.Optional(Type.Boolean()),
          'multicast-query-use-ifaddr': Type.Optional(Type.Boolean()),
          'multicast-last-member-count': Type.Optional(Type.Integer({ minimum: 0, maximum: 4294967295 })),
          'multicast-startup-query-count': Type.Optional(Type.Integer({ minimum: 0, maximum: 4294967295 })),
          // multicast intervals in hundredths of a second, as nmstate passes them through
          'multicast-last-member-interval': Type.Optional(Type.Integer({ minimum: 0, description: 'hundredths of a second' })),
          'multicast-membership-interval': Type.Optional(Type.Integer({ minimum: 0, description: 'hundredths of a second' })),
          'multicast-querier-interval': Type.Optional(Type.Integer({ minimum: 0, description: 'hundredths of a second' })),
          'multicast-query-interval': Type.Optional(Type.Integer({ minimum: 0, description: 'hundredths of a second' })),
          'multicast-query-response-interval': Type.Optional(Type.Integer({ minimum: 0, description: 'hundredths of a second' })),
          'multicast-startup-query-interval': Type.Optional(Type.Integer({ minimum: 0, description: 'hundredths of a second' })),
          // ovs-bridge
          rstp: Type.Optional(Type.Boolean()),
          'mcast-snooping-enable': Type.Optional(Type.Boolean()),
          'fail-mode': Type.Optional(literalUnion(['', 'standalone', 'secure'] as const, 'OVS fail mode ("" = OVS default)')),
        },
        { additionalProperties: false },
      ),
    ),
    port: Type.Optional(Type.Array(BridgePort)),
  },
  { additionalProperties: false },
);

export const Veth = Type.Object({ peer: IfName }, { additionalProperties: false });

export const macvlanFields = {
  'base-iface': IfName,
  mode: literalUnion(['bridge', 'private', 'vepa', 'passthru', 'source'] as const, 'macvlan mode'),
  promiscuous: Type.Optional(Type.Boolean({ description: 'passthru: false keeps the lower device out of promiscuous mode' })),
  'accept-all-mac': Type.Optional(Type.Boolean({ description: "nmstate's other spelling of promiscuous" })),
};
/** `mac-vlan` and `mac-vtap` (nmstate's names); `macvlan` is the deprecated spelling of `mac-vlan`. */
export const Macvlan = Type.Object(macvlanFields, { additionalProperties: false });
export type Macvlan = Static<typeof Macvlan>;

/** A VRF (nmstate's spelling): its ports, and the routing table its routes live in. */
export const Vrf = Type.Object(
  {
    port: Type.Optional(Type.Array(IfName)),
    'route-table-id': Type.Integer({ minimum: 1, maximum: 4294967295, description: 'routing table of the VRF (not 253..255: local, main, default)' }),
  },
  { additionalProperties: false },
);
export type Vrf = Static<typeof Vrf>;

/** An IPVLAN on `base-iface` (nmstate's spelling); private and vepa are exclusive, neither is bridge. */
export const Ipvlan = Type.Object(
  {
    'base-iface': IfName,
    mode: literalUnion(['l2', 'l3', 'l3s'] as const, 'ipvlan mode'),
    private: Type.Optional(Type.Boolean()),
    vepa: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type Ipvlan = Static<typeof Ipvlan>;

/**
 * MACsec over `base-iface` (newer nmstate writes `parent`: either is taken, the agent plans with
 * base-iface). With mka-cak and mka-ckn the agent runs MKA (a wpa_supplicant per link); see the README.
 */
export const Macsec = Type.Object(
  {
    'base-iface': Type.Optional(IfName),
    parent: Type.Optional(Type.String({ pattern: IFNAME_PATTERN, description: "nmstate's newer name of base-iface" })),
    encrypt: Type.Boolean(),
    port: Type.Integer({ minimum: 0, maximum: 65535, description: 'SCI port; 0 = the kernel default (1)' }),
    validation: literalUnion(['disabled', 'check', 'strict'] as const, 'MACsec validation of received frames'),
    'send-sci': Type.Boolean(),
    offload: Type.Optional(literalUnion(['off', 'phy', 'mac'] as const, 'MACsec offload')),
    // writeOnly (JSON Schema: sent, never returned): a secret, so errors never echo it and the read never reports it
    'mka-cak': Type.Optional(Type.String({ pattern: '^([0-9A-Fa-f]{32}|[0-9A-Fa-f]{64})$', description: 'MKA CAK: 32 or 64 hex digits', writeOnly: true })),
    'mka-ckn': Type.Optional(Type.String({ pattern: '^([0-9A-Fa-f]{2}){1,32}$', description: 'MKA CKN: 2..64 hex digits' })),
  },
  { additionalProperties: false },
);
export type Macsec = Static<typeof Macsec>;

/** An OVS patch port: its peer is the patch port on the other bridge. */
export const OvsPatch = Type.Object({ peer: Type.String({ minLength: 1 }) }, { additionalProperties: false });

export const Vxlan = Type.Object(
  {
    id: Type.Integer({ minimum: 0, maximum: 16777215 }),
    remote: Type.Optional(Type.String()),
    local: Type.Optional(Type.String()),
    'base-iface': Type.Optional(IfName),
    'destination-port': Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
  },
  { additionalProperties: false },
);

export const Vf = Type.Object(
  {
    id: Type.Integer({ minimum: 0 }),
    'mac-address': Type.Optional(MacAddress),
    'vlan-id': Type.Optional(Type.Integer({ minimum: 0, maximum: 4094 })),
    qos: Type.Optional(Type.Integer({ minimum: 0, maximum: 7 })),
    'spoof-check': Type.Optional(Type.Boolean()),
    trust: Type.Optional(Type.Boolean()),
    'fleetnet.io/driver': Type.Optional(Type.String({ description: 'extension: driver this VF is bound to' })),
    'fleetnet.io/pci-address': Type.Optional(Type.String({ description: 'reported only' })),
  },
  { additionalProperties: false },
);
export type Vf = Static<typeof Vf>;

export const SrIov = Type.Object(
  {
    'total-vfs': Type.Integer({ minimum: 0, maximum: 1024, description: 'number of VFs to enable' }),
    'drivers-autoprobe': Type.Optional(Type.Boolean({ description: 'bind new VFs to their driver automatically (sriov_drivers_autoprobe)' })),
    vfs: Type.Optional(Type.Array(Vf)),
    'fleetnet.io/vf-driver': Type.Optional(
      Type.String({ description: 'extension: bind every VF to this driver (driver_override + bind)' }),
    ),
  },
  { additionalProperties: false },
);

export const Ethernet = Type.Object(
  { 'sr-iov': Type.Optional(SrIov) },
  { additionalProperties: false },
);

/** Extension: pick the NIC by hardware identity instead of by name (HostPlumber / SR-IOV operator style). */
export const NicMatch = Type.Object(
  {
    'pci-address': Type.Optional(
      Type.String({ pattern: '^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7]$', description: 'PCI address domain:bus:device.function, e.g. 0000:03:00.0' }),
    ),
    'vendor-id': Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{4}$', description: 'PCI vendor id: 4 hex digits, e.g. 8086' })),
    'device-id': Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{4}$', description: 'PCI device id: 4 hex digits, e.g. 1572' })),
  },
  { additionalProperties: false },
);
export type NicMatch = Static<typeof NicMatch>;

/** LLDP on an interface: the agent runs one lldpd per host on the interfaces with enabled: true; only `enabled` is compared. */
export const Lldp = Type.Object(
  {
    enabled: Type.Boolean({ description: 'true: lldpd sends and receives LLDP on this interface' }),
    neighbors: Type.Optional(Type.Array(Type.Unknown(), { description: 'reported only (nmstate): per neighbour, its TLVs (chassis ID, port ID, system name, description)' })),
  },
  { additionalProperties: false },
);

/** Reported only: what the agent read about a NIC's hardware. */
export const PciInfo = Type.Object(
  {
    address: Type.String(),
    'vendor-id': Type.Optional(Type.String()),
    'device-id': Type.Optional(Type.String()),
    driver: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
