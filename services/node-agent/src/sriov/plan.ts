import type { NetworkState, Vf } from '@fleetnet/contracts';
import { join } from 'node:path';
import type { BackendPlan, Operation, PlanError } from '../backend.ts';
import type { SriovHardware } from './read.ts';

type SriovOp = Extract<Operation, { backend: 'sriov' }>;

/**
 * A value written as `@pci-of:<path>` is resolved at execution to the PCI address the symlink at
 * `<path>` points to: VFs created by the same plan have no address yet when planning.
 */
export const PCI_OF = '@pci-of:';

const write = (target: string, description: string, path: string, value: string): SriovOp =>
  ({ backend: 'sriov', stage: 'sriov', target, description, path, value });

const onOff = (b: boolean) => (b ? 'on' : 'off');

/**
 * Pure: the sysfs writes (and, for drivers without per-VF sysfs files, `ip link set PF vf N ...`
 * commands) that take each named PF to its desired `ethernet.sr-iov`. PFs are named (after
 * `resolveNicMatches`); per PF the order is: VF count (reset to 0 first, because the kernel refuses
 * N -> M directly), per-VF settings, VF driver (driver_override, unbind, drivers_probe).
 * A count change recreates every VF, so every named setting is written again.
 * `hardware` (from the last read) gives each PF's VF capacity and per-VF configuration method.
 */
export function planSriov(desired: NetworkState, actual: NetworkState, hardware: SriovHardware, root: string): BackendPlan {
  const operations: SriovOp[] = [];
  const errors: PlanError[] = [];
  const aByName = new Map((actual.interfaces ?? []).map((i) => [i.name, i]));

  (desired.interfaces ?? []).forEach((d, i) => {
    const ds = d.ethernet?.['sr-iov'];
    if (!ds || d.state === 'absent') return;
    const at = `interfaces[${i}].ethernet.sr-iov`;
    const pf = d.name;
    const hw = hardware.get(pf);
    if (!hw) {
      errors.push({ path: at, message: `"${pf}" is not an SR-IOV capable PCI device (no ${join(root, 'class/net', pf, 'device/sriov_totalvfs')})` });
      return;
    }
    const want = ds['total-vfs'];
    if (want > hw.maxVfs) {
      errors.push({ path: `${at}.total-vfs`, message: `${pf} supports at most ${hw.maxVfs} VFs, ${want} requested` });
      return;
    }
    const dev = join(root, 'class', 'net', pf, 'device');
    const as = aByName.get(pf)?.ethernet?.['sr-iov'];
    const have = as?.['total-vfs'] ?? 0;
    const recreate = have !== want;
    // before the VF count: the kernel binds new VFs to their driver (or not) as they are created
    const autoprobe = ds['drivers-autoprobe'];
    if (autoprobe !== undefined && autoprobe !== as?.['drivers-autoprobe']) {
      operations.push(write(pf, `${pf}: drivers autoprobe ${onOff(autoprobe)}`, join(dev, 'sriov_drivers_autoprobe'), autoprobe ? '1' : '0'));
    }
    if (recreate) {
      if (have > 0) operations.push(write(pf, `${pf}: disable its ${have} VFs (the kernel refuses a direct ${have} -> ${want})`, join(dev, 'sriov_numvfs'), '0'));
      if (want > 0) operations.push(write(pf, `${pf}: enable ${want} VFs`, join(dev, 'sriov_numvfs'), String(want)));
    }
    const actualVf = (id: number): Vf | undefined => (recreate ? undefined : as?.vfs?.find((v) => v.id === id));

    for (const vf of ds.vfs ?? []) {
      const av = actualVf(vf.id);
      const set = (file: string, value: string, ipArgs: string[], what: string) => {
        const description = `${pf} vf ${vf.id}: ${what}`;
        if (hw.perVfSysfs) operations.push(write(pf, description, join(dev, 'sriov', String(vf.id), file), value));
        else {
          const argv = ['ip', 'link', 'set', 'dev', pf, 'vf', String(vf.id), ...ipArgs];
          operations.push({ ...write(pf, description, join(root, 'class', 'net', pf), ipArgs.join(' ')), argv });
        }
      };
      const mac = vf['mac-address']?.toLowerCase();
      if (mac !== undefined && mac !== av?.['mac-address']?.toLowerCase()) set('mac', mac, ['mac', mac], `mac ${mac}`);
      const vlanChanged = vf['vlan-id'] !== undefined && vf['vlan-id'] !== (av?.['vlan-id'] ?? 0);
      const qosChanged = vf.qos !== undefined && vf.qos !== (av?.qos ?? 0);
      if (vlanChanged || qosChanged) {
        const vlan = vf['vlan-id'] ?? av?.['vlan-id'] ?? 0;
        const qos = vf.qos ?? av?.qos ?? 0;
        if (hw.perVfSysfs) {
          if (vlanChanged) set('vlan', String(vlan), [], `vlan ${vlan}`);
          if (qosChanged) set('qos', String(qos), [], `qos ${qos}`);
        } else set('', '', ['vlan', String(vlan), 'qos', String(qos)], `vlan ${vlan} qos ${qos}`);
      }
      if (vf['spoof-check'] !== undefined && vf['spoof-check'] !== av?.['spoof-check']) {
        set('spoofcheck', vf['spoof-check'] ? '1' : '0', ['spoofchk', onOff(vf['spoof-check'])], `spoof-check ${onOff(vf['spoof-check'])}`);
      }
      if (vf.trust !== undefined && vf.trust !== av?.trust) {
        set('trust', vf.trust ? '1' : '0', ['trust', onOff(vf.trust)], `trust ${onOff(vf.trust)}`);
      }
    }

    const perVfDriver = new Map((ds.vfs ?? []).map((v) => [v.id, v['fleetnet.io/driver']]));
    for (let id = 0; id < want; id++) {
      const driver = perVfDriver.get(id) ?? ds['fleetnet.io/vf-driver'];
      const av = actualVf(id);
      if (!driver || driver === av?.['fleetnet.io/driver']) continue;
      const vfLink = join(dev, `virtfn${id}`);
      const pci = av?.['fleetnet.io/pci-address'] ?? `${PCI_OF}${vfLink}`;
      const desc = `${pf} vf ${id}: bind to ${driver}`;
      operations.push(write(pf, `${desc} (driver_override)`, join(vfLink, 'driver_override'), driver));
      // Skipped at execution when the VF is bound to no driver.
      operations.push(write(pf, `${desc} (unbind the current driver)`, join(vfLink, 'driver', 'unbind'), pci));
      operations.push(write(pf, `${desc} (drivers_probe)`, join(root, 'bus', 'pci', 'drivers_probe'), pci));
    }
  });
  return { operations: errors.length ? [] : operations, errors };
}
