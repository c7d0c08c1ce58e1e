import type { Interface, IpConfig, NetworkState, Nic, Route, Vf } from '@fleetnet/contracts';
import { isDefaultDestination, isLinkLocal, MAIN_TABLE, normalizeDestination, normalizeIp, routeMatches } from '@fleetnet/contracts';

/**
 * An in-memory Linux host for fleet-scale benchmarks: a few physical NICs (eth0..eth3) plus
 * whatever a plan creates, routes and DNS. It behaves like the kernel where fleetnet's comparison
 * can tell: a veth is created and removed with its peer, ports carry their `controller`, removing
 * a link drops its routes and its membership in bridges and bonds, IPv6 link-local addresses exist
 * on every link that is up, SR-IOV VFs appear when `total-vfs` is set. It never touches the machine.
 */
export interface SimNic extends Nic {
  name: string;
  mac: string;
}

const clone = <T>(v: T): T => structuredClone(v);

/** The NICs of sim host number `index`: eth0..eth(count-1), eth2 and eth3 SR-IOV capable (8 VFs). */
export function simNics(index: number, count = 4): SimNic[] {
  return Array.from({ length: count }, (_, i) => {
    const nic: SimNic = {
      name: `eth${i}`,
      mac: simMac(index, i),
      driver: i >= 2 ? 'ixgbe' : 'virtio_net',
      pciAddress: `0000:0${Math.floor(i / 8) + 3}:00.${i % 8}`,
      vendorId: i >= 2 ? '8086' : '1af4',
      deviceId: i >= 2 ? '10fb' : '1000',
    };
    if (i >= 2) nic.sriovTotalVfs = 8;
    return nic;
  });
}

/** A locally administered MAC, unique per (host index, link number). */
export function simMac(index: number, n: number): string {
  const b = [0x02, 0x5e, (index >> 16) & 0xff, (index >> 8) & 0xff, index & 0xff, n & 0xff];
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

/** The link-local address the kernel gives a MAC (EUI-64). */
function linkLocal(mac: string): string {
  const b = mac.split(':').map((x) => parseInt(x, 16));
  b[0]! ^= 0x02;
  const eui = [b[0], b[1], b[2], 0xff, 0xfe, b[3], b[4], b[5]] as number[];
  const groups: string[] = [];
  for (let i = 0; i < 8; i += 2) groups.push(((eui[i]! << 8) | eui[i + 1]!).toString(16));
  return normalizeIp(`fe80::${groups.join(':')}`);
}

export class SimHost {
  readonly links = new Map<string, Interface>();
  routes: Route[] = [];
  dns: { server: string[]; search: string[] } = { server: [], search: [] };
  private nextLink = 16;

  constructor(
    readonly index: number,
    readonly nics: readonly SimNic[] = simNics(index),
  ) {
    this.links.set('lo', {
      name: 'lo', type: 'loopback', state: 'up', mtu: 65536,
      ipv4: { enabled: true, address: [{ ip: '127.0.0.1', 'prefix-length': 8 }] },
      ipv6: { enabled: true, address: [{ ip: '::1', 'prefix-length': 128 }] },
    });
    for (const nic of nics) {
      const up = nic.name === 'eth0';
      const link: Interface = { name: nic.name, type: 'ethernet', state: up ? 'up' : 'down', mtu: 1500, 'mac-address': nic.mac };
      if (nic.pciAddress) {
        link['fleetnet.io/pci'] = {
          address: nic.pciAddress,
          ...(nic.vendorId ? { 'vendor-id': nic.vendorId } : {}),
          ...(nic.deviceId ? { 'device-id': nic.deviceId } : {}),
          ...(nic.driver ? { driver: nic.driver } : {}),
        };
      }
      if (nic.sriovTotalVfs) link.ethernet = { 'sr-iov': { 'total-vfs': 0, vfs: [] } };
      this.links.set(nic.name, link);
    }
    // eth0 is the management link: an address from 10.0.0.0/8 by host number, the default route, DNS.
    const a = 10;
    const ip = `${a}.${(index >> 16) & 0xff}.${(index >> 8) & 0xff}.${(index & 0xff) || 1}`;
    this.links.get('eth0')!.ipv4 = { enabled: true, address: [{ ip, 'prefix-length': 8 }] };
    this.routes.push({ destination: '0.0.0.0/0', 'next-hop-address': '10.0.0.1', 'next-hop-interface': 'eth0', metric: 100 });
    this.dns = { server: ['10.0.0.53'], search: ['sim.example'] };
    this.refreshKernelAddresses();
  }

  /** Is there a NIC (physical, cannot be created or removed) of this name? */
  isPhysical(name: string): boolean {
    return name === 'lo' || this.nics.some((n) => n.name === name);
  }

  nic(name: string): SimNic | undefined {
    return this.nics.find((n) => n.name === name);
  }

  /** The actual state, as the linux + sriov + dns backends would read it. */
  read(): NetworkState {
    const interfaces = [...this.links.values()].map(clone).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return {
      interfaces,
      routes: { config: this.routes.map(clone) },
      'dns-resolver': { config: { server: [...this.dns.server], search: [...this.dns.search] } },
    };
  }

  snapshot(): string {
    return JSON.stringify({ links: [...this.links.values()], routes: this.routes, dns: this.dns, next: this.nextLink });
  }

  restore(snapshot: string): void {
    const s = JSON.parse(snapshot) as { links: Interface[]; routes: Route[]; dns: SimHost['dns']; next: number };
    this.links.clear();
    for (const l of s.links) this.links.set(l.name, l);
    this.routes = s.routes;
    this.dns = s.dns;
    this.nextLink = s.next;
  }

  // ---- changes (what `execute` does with one operation) ------------------------------------------

  /** Applies one partial state the way the kernel would end up after the equivalent commands. */
  apply(patch: NetworkState): void {
    for (const i of patch.interfaces ?? []) {
      if (i.state === 'absent') this.removeLink(i.name);
      else this.setLink(i);
    }
    for (const r of patch.routes?.config ?? []) this.setRoute(r);
    const dns = patch['dns-resolver']?.config;
    if (dns?.server) this.dns.server = dns.server.map(normalizeIp);
    if (dns?.search) this.dns.search = [...dns.search];
    this.refreshKernelAddresses();
  }

  removeLink(name: string): void {
    const link = this.links.get(name);
    if (!link) return;
    if (this.isPhysical(name)) throw new Error(`${name} is a physical NIC and cannot be removed`);
    this.links.delete(name);
    if (link.type === 'veth' && link.veth?.peer) this.removeLink(link.veth.peer);
    // what hangs below or on top of it goes with it, as in the kernel
    for (const other of [...this.links.values()]) {
      if (other.controller === name) delete other.controller;
      if (other.bridge?.port) other.bridge.port = other.bridge.port.filter((p) => p.name !== name);
      if (other['link-aggregation']?.port) other['link-aggregation'].port = other['link-aggregation'].port.filter((p) => p !== name);
      if (other.vlan?.['base-iface'] === name || other.macvlan?.['base-iface'] === name) this.removeLink(other.name);
    }
    this.routes = this.routes.filter((r) => r['next-hop-interface'] !== name);
  }

  private newLink(d: Interface): Interface {
    if (!d.type) throw new Error(`cannot create ${d.name}: no type given`);
    const link: Interface = { name: d.name, type: d.type, state: 'down', mtu: 1500, 'mac-address': simMac(this.index, this.nextLink++) };
    this.links.set(d.name, link);
    if (d.type === 'veth') {
      const peer = d.veth?.peer;
      if (!peer) throw new Error(`cannot create veth ${d.name}: no peer named`);
      link.veth = { peer };
      if (!this.links.has(peer)) {
        this.links.set(peer, { name: peer, type: 'veth', state: 'down', mtu: 1500, 'mac-address': simMac(this.index, this.nextLink++), veth: { peer: d.name } });
      }
    }
    return link;
  }

  private setLink(d: Interface): void {
    let link = this.links.get(d.name);
    if (link && d.type && link.type !== d.type) {
      this.removeLink(d.name);
      link = undefined;
    }
    if (!link) {
      link = this.newLink(d);
      // a new link comes up unless the desired state says otherwise (nmstate's default)
      if (d.state === undefined) link.state = 'up';
    }
    for (const [k, v] of Object.entries(d) as [keyof Interface, unknown][]) {
      if (v === undefined || k === 'name' || k === 'fleetnet.io/match' || k === 'fleetnet.io/pci' || k === 'controller') continue;
      switch (k) {
        case 'ipv4':
        case 'ipv6':
          link[k] = mergeIp(link[k], v as IpConfig);
          break;
        case 'mac-address':
          link['mac-address'] = (v as string).toLowerCase();
          break;
        case 'bridge':
          this.setBridge(link, v as NonNullable<Interface['bridge']>);
          break;
        case 'link-aggregation':
          this.setBond(link, v as NonNullable<Interface['link-aggregation']>);
          break;
        case 'ethernet':
          this.setSriov(link, v as NonNullable<Interface['ethernet']>);
          break;
        case 'veth': {
          const peer = (v as { peer: string }).peer;
          if (link.veth?.peer && link.veth.peer !== peer) this.links.delete(link.veth.peer);
          link.veth = { peer };
          if (!this.links.has(peer)) this.links.set(peer, { name: peer, type: 'veth', state: 'down', mtu: 1500, 'mac-address': simMac(this.index, this.nextLink++), veth: { peer: link.name } });
          break;
        }
        default:
          (link as Record<string, unknown>)[k] = clone(v);
      }
    }
  }

  private setBridge(link: Interface, b: NonNullable<Interface['bridge']>) {
    const options = { ...link.bridge?.options, ...b.options };
    const next: NonNullable<Interface['bridge']> = { ...(Object.keys(options).length ? { options } : {}), port: link.bridge?.port ?? [] };
    if (b.port) {
      for (const old of next.port ?? []) if (!b.port.some((p) => p.name === old.name)) delete this.links.get(old.name)?.controller;
      next.port = b.port.map((p) => clone(p));
      for (const p of b.port) {
        const port = this.links.get(p.name);
        if (!port) throw new Error(`cannot add port ${p.name} to ${link.name}: no such link`);
        port.controller = link.name;
        // OVS bond ports are links of the bridge too
        for (const bp of p['link-aggregation']?.port ?? []) {
          const l = this.links.get(bp.name);
          if (!l) throw new Error(`cannot add ${bp.name} to bond port ${p.name}: no such link`);
          l.controller = link.name;
        }
      }
    }
    link.bridge = next;
  }

  private setBond(link: Interface, la: NonNullable<Interface['link-aggregation']>) {
    const old = link['link-aggregation']?.port ?? [];
    const ports = la.port ?? old;
    for (const p of old) if (!ports.includes(p)) delete this.links.get(p)?.controller;
    for (const p of ports) {
      const l = this.links.get(p);
      if (!l) throw new Error(`cannot enslave ${p} to ${link.name}: no such link`);
      l.controller = link.name;
    }
    link['link-aggregation'] = { mode: la.mode, port: [...ports], ...(la.options ? { options: { ...link['link-aggregation']?.options, ...la.options } } : {}) };
  }

  private setSriov(link: Interface, e: NonNullable<Interface['ethernet']>) {
    const want = e['sr-iov'];
    if (!want) return;
    const nic = this.nic(link.name);
    const max = nic?.sriovTotalVfs ?? 0;
    if (want['total-vfs'] > max) throw new Error(`${link.name}: sriov_numvfs ${want['total-vfs']} exceeds sriov_totalvfs ${max}`);
    const driver = want['fleetnet.io/vf-driver'] ?? 'iavf';
    const old = link.ethernet?.['sr-iov']?.vfs ?? [];
    const count = want['total-vfs'];
    const vfs: Vf[] = [];
    for (let id = 0; id < count; id++) {
      // a new VF count recreates every VF (the count is reset to 0 first): old settings are kept only when the count stays
      const prev = old.length === count ? old.find((x) => x.id === id) : undefined;
      const spec = want.vfs?.find((x) => x.id === id);
      const vf: Vf = {
        id,
        'mac-address': simMac(this.index, 0x80 + id),
        'spoof-check': true,
        trust: false,
        ...prev,
        ...(spec ? clone(spec) : {}),
        'fleetnet.io/pci-address': `${nic?.pciAddress?.slice(0, -1) ?? '0000:00:00.'}${(id % 7) + 1}`,
      };
      vf['fleetnet.io/driver'] = spec?.['fleetnet.io/driver'] ?? (want['fleetnet.io/vf-driver'] ? driver : prev?.['fleetnet.io/driver'] ?? 'iavf');
      if (vf['mac-address']) vf['mac-address'] = vf['mac-address'].toLowerCase();
      vfs.push(vf);
    }
    link.ethernet = { 'sr-iov': { 'total-vfs': count, vfs } };
  }

  private setRoute(r: Route) {
    if (r.state === 'absent') {
      this.routes = this.routes.filter((x) => !routeMatches(r, x));
      return;
    }
    if (this.routes.some((x) => routeMatches(r, x))) return;
    const dev = r['next-hop-interface'];
    if (dev && !this.links.has(dev)) throw new Error(`route ${r.destination}: Nexthop device ${dev} does not exist`);
    // `ip route replace` of a default route: the table has one default per family afterwards
    if (isDefaultDestination(r.destination)) {
      const fam = r.destination.includes(':') ? 6 : 4;
      const table = r['table-id'] ?? MAIN_TABLE;
      this.routes = this.routes.filter((x) => !(isDefaultDestination(x.destination) && (x['table-id'] ?? MAIN_TABLE) === table && (x.destination.includes(':') ? 6 : 4) === fam));
    }
    const { state: _s, ...rest } = r;
    this.routes.push({ ...rest, destination: normalizeDestination(r.destination), ...(r['next-hop-address'] ? { 'next-hop-address': normalizeIp(r['next-hop-address']) } : {}) });
  }

  /** Link-local IPv6 on links that are up, none on links that are down (what the kernel does). */
  private refreshKernelAddresses() {
    for (const l of this.links.values()) {
      if (l.type === 'loopback' || !l['mac-address']) continue;
      const v6 = l.ipv6 ?? {};
      const own = (v6.address ?? []).filter((a) => !isLinkLocal(a.ip));
      const ll = l.state === 'up' && v6.enabled !== false ? [{ ip: linkLocal(l['mac-address']), 'prefix-length': 64 }] : [];
      const address = [...own, ...ll];
      if (address.length || l.ipv6) l.ipv6 = { ...v6, address };
    }
  }
}

function mergeIp(old: IpConfig | undefined, d: IpConfig): IpConfig {
  const out: IpConfig = { ...old };
  if (d.enabled !== undefined) out.enabled = d.enabled;
  if (d.dhcp !== undefined) out.dhcp = d.dhcp;
  if (d.autoconf !== undefined) out.autoconf = d.autoconf;
  if (d.address !== undefined) out.address = d.address.map((a) => ({ ip: normalizeIp(a.ip), 'prefix-length': a['prefix-length'] }));
  if (d.enabled === false) out.address = [];
  return out;
}
