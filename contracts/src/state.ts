import { Type, type Static } from '@sinclair/typebox';
import { IFNAME_PATTERN } from './names.ts';

/**
 * The desired and the actual network state of one host. The shape follows nmstate's YAML
 * (kebab-case) so kubernetes-nmstate documents apply unchanged where the feature is supported.
 * Keys under `fleetnet.io/...` are our extensions that nmstate lacks.
 */

const IfName = Type.String({ pattern: IFNAME_PATTERN, description: 'Linux interface name (1-15 characters)' });

export const InterfaceTypes = [
  'ethernet', 'veth', 'bond', 'vlan', 'linux-bridge', 'ovs-bridge', 'ovs-interface', 'mac-vlan', 'mac-vtap', 'macsec', 'vxlan', 'dummy', 'vrf', 'ipvlan',
  // deprecated spelling of mac-vlan (stored desired versions and older reports use it): read as mac-vlan
  'macvlan',
  // reported only: fleetnet reads these but never creates them
  'loopback', 'tun', 'unknown',
  // nmstate's types fleetnet neither creates nor configures: a document may only remove them (state: absent)
  'infiniband', 'hsr', 'ipsec', 'xfrm', 'team',
] as const;
export type InterfaceType = (typeof InterfaceTypes)[number];
/** Types the agent creates and removes with iproute2 (one planner file per type in the agent). */
export const LinuxCreatableTypes = ['veth', 'bond', 'vlan', 'linux-bridge', 'mac-vlan', 'mac-vtap', 'macsec', 'vxlan', 'dummy', 'vrf', 'ipvlan'] as const satisfies readonly InterfaceType[];
export type LinuxCreatableType = (typeof LinuxCreatableTypes)[number];
export const LINUX_CREATABLE: ReadonlySet<string> = new Set(LinuxCreatableTypes);
/** nmstate types a document may name only to remove the link (`state: absent`): fleetnet does not configure them. */
export const RemoveOnlyTypes = ['infiniband', 'hsr', 'ipsec', 'xfrm', 'team'] as const satisfies readonly InterfaceType[];
export const REMOVE_ONLY: ReadonlySet<string> = new Set(RemoveOnlyTypes);
/** Types Open vSwitch creates and removes; the other types exist in actual state only. */
export const OvsInterfaceTypes = ['ovs-bridge', 'ovs-interface'] as const satisfies readonly InterfaceType[];
export const OVS_TYPES: ReadonlySet<string> = new Set(OvsInterfaceTypes);

export const InterfaceStates = ['up', 'down', 'absent'] as const;
export type InterfaceState = (typeof InterfaceStates)[number];

const MacAddress = Type.String({
  pattern: '^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$',
  description: 'MAC address: six hex bytes separated by ":", e.g. 02:00:00:00:00:01',
});

export const literalUnion = <T extends string>(values: readonly T[], description: string) =>
  Type.Union(values.map((v) => Type.Literal(v)), { description });

export const Address = Type.Object(
  {
    ip: Type.String({ description: 'IPv4 or IPv6 address without prefix' }),
    'prefix-length': Type.Integer({ minimum: 0, maximum: 128 }),
    // nmstate marks a leased address by its ticking valid-life-time; a stable flag keeps reports from changing every second
    'fleetnet.io/dynamic': Type.Optional(Type.Boolean({ description: 'reported only: a DHCP lease or SLAAC gave this address (never compared as static)' })),
  },
  { additionalProperties: false },
);
/**
 * The published JSON Schema also bounds an IPv4 prefix at 32 (if/then: JSON Schema only, TypeBox's
 * checker ignores it); fleetnet's own check says the same with the family named (semantic.ts).
 */
const Ipv4Address = Type.Object(Address.properties, {
  additionalProperties: false,
  if: { properties: { ip: { pattern: '^[0-9]{1,3}(\\.[0-9]{1,3}){3}$' } }, required: ['ip'] },
  then: { properties: { 'prefix-length': { maximum: 32 } } },
});
export type Address = Static<typeof Address>;

/** What nmstate reads from DHCP/RA leases; fleetnet's schema takes them (the agent's DHCP support decides what they do). */
const autoKeys = {
  'auto-dns': Type.Optional(Type.Boolean({ description: 'use the DNS servers a lease or RA gives' })),
  'auto-gateway': Type.Optional(Type.Boolean({ description: 'install the default route a lease or RA gives' })),
  'auto-routes': Type.Optional(Type.Boolean({ description: 'install the routes a lease or RA gives' })),
  'auto-route-table-id': Type.Optional(Type.Integer({ minimum: 0, maximum: 4294967295 })),
  'auto-route-metric': Type.Optional(Type.Integer({ minimum: 0, maximum: 4294967295 })),
};

export const Ipv4Config = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean()),
    dhcp: Type.Optional(Type.Boolean()),
    autoconf: Type.Optional(Type.Boolean({ description: 'IPv6 SLAAC' })),
    address: Type.Optional(Type.Array(Ipv4Address)),
    forwarding: Type.Optional(Type.Boolean({ description: 'IPv4 forwarding on this interface (net.ipv4.conf.IFACE.forwarding)' })),
    ...autoKeys,
  },
  // JSON Schema only (the checker's semantic rule names it): SLAAC is IPv6's
  { additionalProperties: false, allOf: [{ not: { required: ['autoconf'] } }] },
);
export const Ipv6Config = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean()),
    dhcp: Type.Optional(Type.Boolean()),
    autoconf: Type.Optional(Type.Boolean({ description: 'IPv6 SLAAC' })),
    address: Type.Optional(Type.Array(Address)),
    ...autoKeys,
  },
  { additionalProperties: false },
);
/** Either family's section (the IPv4 one is the wider type). */
export const IpConfig = Ipv4Config;
export type IpConfig = Static<typeof Ipv4Config>;

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

const macvlanFields = {
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

export const Interface = Type.Object(
  {
    name: IfName,
    type: Type.Optional(literalUnion(InterfaceTypes, 'interface type')),
    state: Type.Optional(literalUnion(InterfaceStates, 'interface state')),
    mtu: Type.Optional(Type.Integer({ minimum: 68, maximum: 65536, description: 'MTU in bytes, 68..65536 (the kernel allows 65536 on loopback)' })),
    'mac-address': Type.Optional(MacAddress),
    ipv4: Type.Optional(Ipv4Config),
    ipv6: Type.Optional(Ipv6Config),
    'link-aggregation': Type.Optional(LinkAggregation),
    vlan: Type.Optional(Vlan),
    bridge: Type.Optional(Bridge),
    veth: Type.Optional(Veth),
    'mac-vlan': Type.Optional(Macvlan),
    'mac-vtap': Type.Optional(Macvlan),
    macvlan: Type.Optional(Type.Object(macvlanFields, { additionalProperties: false, description: 'deprecated: spell it mac-vlan' })),
    macsec: Type.Optional(Macsec),
    vrf: Type.Optional(Vrf),
    ipvlan: Type.Optional(Ipvlan),
    patch: Type.Optional(OvsPatch),
    'copy-mac-from': Type.Optional(IfName),
    vxlan: Type.Optional(Vxlan),
    ethernet: Type.Optional(Ethernet),
    controller: Type.Optional(Type.String({ description: 'reported only: the bridge/bond this port belongs to' })),
    description: Type.Optional(Type.String({ maxLength: 255, description: 'free text (the kernel\'s ifalias); nmstate captures match on it' })),
    'alt-names': Type.Optional(
      Type.Array(Type.Object({ name: Type.String(), state: Type.Optional(Type.Literal('absent')) }, { additionalProperties: false }), {
        description: 'alternative names of the interface (ip link property altname)',
      }),
    ),
    'fleetnet.io/match': Type.Optional(NicMatch),
    'fleetnet.io/pci': Type.Optional(PciInfo),
    // nmstate's NIC selection by MAC: resolved to the kernel name before planning (mac-identifier.ts)
    identifier: Type.Optional(literalUnion(['name', 'mac-address'] as const, 'mac-address: the interface is the NIC whose MAC (permanent, else current) is mac-address; name is then only a label')),
    'profile-name': Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: "NetworkManager's connection name: accepted and ignored (fleetnet keeps no profiles)" })),
    'accept-all-mac-addresses': Type.Optional(Type.Boolean({ description: "promiscuous mode of this link (ip link set promisc); not mac-vlan's promiscuous, which is the passthru lower device's" })),
    lldp: Type.Optional(Lldp),
  },
  { additionalProperties: false },
);
export type Interface = Static<typeof Interface>;

export const RouteTypes = ['blackhole', 'unreachable', 'prohibit'] as const;
export type RouteType = (typeof RouteTypes)[number];

export const Route = Type.Object(
  {
    destination: Type.Optional(Type.String({ description: 'CIDR, e.g. 10.0.0.0/8 or 0.0.0.0/0; required unless state is absent' })),
    'next-hop-address': Type.Optional(Type.String()),
    'next-hop-interface': Type.Optional(IfName),
    metric: Type.Optional(Type.Integer({ minimum: 0 })),
    'table-id': Type.Optional(Type.Integer({ minimum: 0, maximum: 4294967295 })),
    'route-type': Type.Optional(literalUnion(RouteTypes, 'a route that drops traffic (takes no next hop)')),
    source: Type.Optional(Type.String({ description: 'preferred source address (ip route ... src)' })),
    cwnd: Type.Optional(Type.Integer({ minimum: 1, maximum: 4294967295, description: 'congestion window clamp, set locked (ip route ... cwnd lock N)' })),
    // absent: every key given must match, keys not given match anything (nmstate's wildcard delete)
    state: Type.Optional(Type.Literal('absent')),
  },
  {
    additionalProperties: false,
    // JSON Schema only (TypeBox's checker ignores allOf here; semantic-routing.ts says the same with reasons)
    allOf: [
      { if: { not: { required: ['state'] } }, then: { required: ['destination'] } },
      { if: { required: ['route-type'], not: { required: ['state'] } }, then: { not: { required: ['next-hop-address'] } } },
    ],
  },
);
export type Route = Static<typeof Route>;

const RULE_MARK = Type.Union([
  Type.Integer({ minimum: 0, maximum: 4294967295 }),
  Type.String({ pattern: '^(0[xX][0-9a-fA-F]{1,8}|[0-9]{1,10})$', description: 'a 32-bit number, decimal or 0x hex' }),
], { description: 'a 32-bit number, decimal or 0x hex' });

/** A policy routing rule, in nmstate's spelling (`ip rule`). */
export const RouteRule = Type.Object(
  {
    family: Type.Optional(literalUnion(['ipv4', 'ipv6'] as const, 'address family')),
    'ip-from': Type.Optional(Type.String({ description: 'source prefix, e.g. 192.0.2.0/24 (a bare address is a host prefix)' })),
    'ip-to': Type.Optional(Type.String({ description: 'destination prefix' })),
    priority: Type.Optional(Type.Integer({ minimum: -1, maximum: 4294967295, description: 'rule priority; -1 or unset: the next free one from 30000' })),
    'route-table': Type.Optional(Type.Integer({ minimum: 0, maximum: 4294967295, description: 'table to look up; 0 or unset: main (254)' })),
    fwmark: Type.Optional(RULE_MARK),
    fwmask: Type.Optional(RULE_MARK),
    iif: Type.Optional(IfName),
    action: Type.Optional(literalUnion(RouteTypes, 'what the rule does instead of a table lookup')),
    'suppress-prefix-length': Type.Optional(Type.Integer({ minimum: 0, maximum: 128 })),
    state: Type.Optional(Type.Literal('absent')),
  },
  {
    additionalProperties: false,
    // JSON Schema only, as for Route
    allOf: [
      { dependencies: { fwmask: ['fwmark'] } },
      { if: { not: { required: ['state'] } }, then: { anyOf: [{ required: ['ip-from'] }, { required: ['ip-to'] }, { required: ['family'] }] } },
      { if: { required: ['action'], not: { required: ['state'] } }, then: { not: { required: ['route-table'] } } },
    ],
  },
);
export type RouteRule = Static<typeof RouteRule>;

export const DnsOptionNames = [
  'debug', 'edns0', 'inet6', 'ip6-bytestring', 'ip6-dotint', 'no-aaaa', 'no-check-names', 'no-ip6-dotint', 'no-reload',
  'no-tld-query', 'rotate', 'single-request', 'single-request-reopen', 'trust-ad', 'use-vc',
] as const;
export const DNS_OPTION_PATTERN = `^(${DnsOptionNames.join('|')}|(ndots|timeout|attempts):[0-9]{1,2})$`;

export const DnsConfig = Type.Object(
  {
    server: Type.Optional(Type.Array(Type.String())),
    search: Type.Optional(Type.Array(Type.String())),
    options: Type.Optional(
      Type.Array(Type.String({ pattern: DNS_OPTION_PATTERN, description: `a resolver option: ${DnsOptionNames.join(', ')}, or ndots:N, timeout:N, attempts:N` })),
    ),
  },
  { additionalProperties: false },
);
export type DnsConfig = Static<typeof DnsConfig>;

export const Hostname = Type.Object(
  {
    running: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[^\\s/]+$', description: 'the kernel hostname: 1-64 characters, no spaces or "/"' })),
    config: Type.Optional(Type.String({ maxLength: 64, pattern: '^[^\\s/]*$', description: 'the static hostname file; "" removes it' })),
  },
  { additionalProperties: false },
);
export type Hostname = Static<typeof Hostname>;

/**
 * Open vSwitch's global `Open_vSwitch .` row, edited key by key: a key set to null is removed, keys
 * not named are kept.
 */
const OvsDbMap = Type.Record(Type.String({ minLength: 1 }), Type.Union([Type.String(), Type.Null()]), {
  description: 'key -> value; null removes the key',
});
export const OvsDb = Type.Object(
  { external_ids: Type.Optional(OvsDbMap), other_config: Type.Optional(OvsDbMap) },
  { additionalProperties: false },
);
export type OvsDb = Static<typeof OvsDb>;

export const NetworkState = Type.Object(
  {
    description: Type.Optional(Type.String({ description: 'free text about this state; no effect' })),
    hostname: Type.Optional(Hostname),
    interfaces: Type.Optional(Type.Array(Interface)),
    'ovs-db': Type.Optional(OvsDb),
    routes: Type.Optional(
      Type.Object(
        {
          config: Type.Optional(Type.Array(Route)),
          // What nmstate's capture reads (`routes.running.destination == "0.0.0.0/0"`); never desired.
          running: Type.Optional(Type.Array(Route, { description: 'reported only: the routes in the kernel' })),
        },
        { additionalProperties: false },
      ),
    ),
    'route-rules': Type.Optional(
      Type.Object(
        {
          config: Type.Optional(Type.Array(RouteRule)),
          running: Type.Optional(Type.Array(RouteRule, { description: 'reported only: the rules in the kernel' })),
        },
        { additionalProperties: false },
      ),
    ),
    'dns-resolver': Type.Optional(
      Type.Object(
        // `running`: reported only, the resolver in use (what nmstate's `dns-resolver.running` captures).
        { config: Type.Optional(DnsConfig), running: Type.Optional(DnsConfig) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false, $id: 'NetworkState' },
);
export type NetworkState = Static<typeof NetworkState>;
