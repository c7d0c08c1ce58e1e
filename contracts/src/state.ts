import { Type, type Static } from '@sinclair/typebox';
import {
  Bridge, Ethernet, IfName, Ipvlan, LinkAggregation, Lldp, MacAddress, Macsec, Macvlan, NicMatch, OvsPatch, PciInfo, Veth, Vlan, Vrf, Vxlan, literalUnion, macvlanFields,
} from './state-links.ts';

export * from './state-links.ts';

/**
 * The desired and the actual network state of one host. The shape follows nmstate's YAML
 * (kebab-case) so kubernetes-nmstate documents apply unchanged where the feature is supported.
 * Keys under `fleetnet.io/...` are our extensions that nmstate lacks.
 */


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
    // a lease's or a router advertisement's route comes and goes with it: a rollback must not put it back as a static one
    'fleetnet.io/dynamic': Type.Optional(Type.Boolean({ description: 'reported only: a DHCP lease or a router advertisement installed this route' })),
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
