import type { Interface, NetworkState, Nic, Vf } from '@fleetnet/contracts';
import { join } from 'node:path';
import { isDir, linkTarget, list, pciId, readAttr, readBool, readInt, realBase } from './sysfs.ts';

/** What planning needs about a PF beyond the reported state: its VF capacity and how VFs are configured. */
export interface PfHardware {
  /** sriov_totalvfs: the most VFs the device supports */
  maxVfs: number;
  /** per-VF settings are files under device/sriov/<N>/ (mlx5 style); otherwise `ip link set PF vf N ...` */
  perVfSysfs: boolean;
}

export type SriovHardware = Map<string, PfHardware>;

/** Per-VF settings read through the PF's driver (`ip -j link show PF`) when sysfs has no per-VF files. */
export type VfLinkInfo = Map<number, Pick<Vf, 'mac-address' | 'vlan-id' | 'qos' | 'spoof-check' | 'trust'>>;

const deviceDir = (root: string, ifname: string) => join(root, 'class', 'net', ifname, 'device');

/** Every network interface under `<root>/class/net` that has a PCI device, as the contracts' NIC facts. */
export function readNics(root: string): Nic[] {
  const out: Nic[] = [];
  for (const name of list(join(root, 'class', 'net'))) {
    const dev = deviceDir(root, name);
    const pciAddress = realBase(dev);
    if (!pciAddress) continue;
    const nic: Nic = { name, pciAddress };
    const set = <K extends keyof Nic>(k: K, v: Nic[K] | undefined) => {
      if (v !== undefined) nic[k] = v;
    };
    set('mac', readAttr(join(root, 'class', 'net', name, 'address'))?.toLowerCase());
    set('vendorId', pciId(join(dev, 'vendor')));
    set('deviceId', pciId(join(dev, 'device')));
    set('driver', linkTarget(join(dev, 'driver')));
    set('sriovTotalVfs', readInt(join(dev, 'sriov_totalvfs')));
    set('sriovNumVfs', readInt(join(dev, 'sriov_numvfs')));
    out.push(nic);
  }
  return out;
}

function readVf(dev: string, id: number, fromLink: VfLinkInfo | undefined): Vf {
  const vf: Vf = { id };
  const vfDev = join(dev, `virtfn${id}`);
  const settings = join(dev, 'sriov', String(id));
  if (isDir(settings)) {
    const mac = readAttr(join(settings, 'mac'));
    if (mac) vf['mac-address'] = mac.toLowerCase();
    const vlan = readInt(join(settings, 'vlan'));
    if (vlan !== undefined) vf['vlan-id'] = vlan;
    const qos = readInt(join(settings, 'qos'));
    if (qos !== undefined) vf.qos = qos;
    const spoof = readBool(join(settings, 'spoofcheck'));
    if (spoof !== undefined) vf['spoof-check'] = spoof;
    const trust = readBool(join(settings, 'trust'));
    if (trust !== undefined) vf.trust = trust;
  } else {
    Object.assign(vf, fromLink?.get(id) ?? {});
  }
  const driver = linkTarget(join(vfDev, 'driver'));
  if (driver) vf['fleetnet.io/driver'] = driver;
  const pci = linkTarget(vfDev);
  if (pci) vf['fleetnet.io/pci-address'] = pci;
  return vf;
}

/**
 * SR-IOV state from sysfs: every PCI NIC gets `fleetnet.io/pci`; every SR-IOV capable one (a PF)
 * gets `ethernet.sr-iov` with `total-vfs` = the VFs enabled now (sriov_numvfs) and each VF's
 * settings, driver and PCI address. `linkInfo(pf)` supplies per-VF settings when the driver has no
 * per-VF sysfs files.
 */
export function readSriov(root: string, linkInfo: Map<string, VfLinkInfo> = new Map()): { state: NetworkState; hardware: SriovHardware } {
  const interfaces: Interface[] = [];
  const hardware: SriovHardware = new Map();
  for (const nic of readNics(root)) {
    const iface: Interface = {
      name: nic.name,
      type: 'ethernet',
      'fleetnet.io/pci': {
        address: nic.pciAddress!,
        ...(nic.vendorId ? { 'vendor-id': nic.vendorId } : {}),
        ...(nic.deviceId ? { 'device-id': nic.deviceId } : {}),
        ...(nic.driver ? { driver: nic.driver } : {}),
      },
    };
    if (nic.sriovTotalVfs !== undefined) {
      const dev = deviceDir(root, nic.name);
      const ids = list(dev)
        .map((e) => /^virtfn(\d+)$/.exec(e)?.[1])
        .filter((x): x is string => x !== undefined)
        .map(Number)
        .sort((a, b) => a - b);
      const autoprobe = readInt(join(dev, 'sriov_drivers_autoprobe'));
      iface.ethernet = {
        'sr-iov': {
          'total-vfs': nic.sriovNumVfs ?? ids.length,
          ...(autoprobe !== undefined ? { 'drivers-autoprobe': autoprobe !== 0 } : {}),
          vfs: ids.map((id) => readVf(dev, id, linkInfo.get(nic.name))),
        },
      };
      hardware.set(nic.name, { maxVfs: nic.sriovTotalVfs, perVfSysfs: isDir(join(dev, 'sriov')) });
    }
    interfaces.push(iface);
  }
  return { state: { interfaces }, hardware };
}

/** Which PFs have VFs but no per-VF sysfs files, so their settings must come from `ip link`. */
export function pfsNeedingLinkInfo(root: string): string[] {
  return readNics(root)
    .filter((n) => (n.sriovNumVfs ?? 0) > 0 && !isDir(join(deviceDir(root, n.name), 'sriov')))
    .map((n) => n.name);
}

/** Parses `ip -j link show dev PF`'s vfinfo_list (iproute2 prints either vlan/qos or a vlan_list). */
export function parseVfInfo(json: unknown): VfLinkInfo {
  const out: VfLinkInfo = new Map();
  const link = Array.isArray(json) ? json[0] : undefined;
  for (const v of (link?.vfinfo_list ?? []) as Record<string, unknown>[]) {
    const id = Number(v.vf);
    const vlanEntry = Array.isArray(v.vlan_list) ? (v.vlan_list[0] as Record<string, unknown> | undefined) : undefined;
    const info: ReturnType<VfLinkInfo['get']> & object = {};
    const mac = (v.address ?? v.mac) as string | undefined;
    if (mac) info['mac-address'] = mac.toLowerCase();
    const vlan = vlanEntry?.vlan ?? v.vlan;
    if (vlan !== undefined) info['vlan-id'] = Number(vlan);
    const qos = vlanEntry?.qos ?? v.qos;
    if (qos !== undefined) info.qos = Number(qos);
    if (typeof v.spoofchk === 'boolean') info['spoof-check'] = v.spoofchk;
    if (typeof v.trust === 'boolean') info.trust = v.trust;
    out.set(id, info);
  }
  return out;
}
