import type { Interface } from '@fleetnet/contracts';
import { op, type OvsOp } from './op.ts';

/** A new bridge with its datapath and STP, or the options an existing one (`ab`) changes. */
export function bridgeOps(d: Interface, ab: Interface | undefined): OvsOp[] {
  const opts = d.bridge?.options;
  if (!ab) {
    const ops = [op(d.name, `create ovs-bridge ${d.name}`, ['--may-exist', 'add-br', d.name])];
    const cols = [
      ...(opts?.datapath ? [`datapath_type=${opts.datapath}`] : []),
      ...(opts?.stp?.enabled ? ['stp_enable=true'] : []),
    ];
    if (cols.length) ops.push(op(d.name, `bridge ${d.name}: ${cols.join(' ')}`, ['set', 'bridge', d.name, ...cols]));
    return ops;
  }
  const ops: OvsOp[] = [];
  const have = ab.bridge?.options;
  if (opts?.datapath && opts.datapath !== (have?.datapath ?? 'system')) {
    ops.push(op(d.name, `bridge ${d.name}: datapath ${have?.datapath ?? 'system'} -> ${opts.datapath}`, ['set', 'bridge', d.name, `datapath_type=${opts.datapath}`]));
  }
  const stp = opts?.stp?.enabled;
  if (stp !== undefined && stp !== (have?.stp?.enabled ?? false)) {
    ops.push(op(d.name, `bridge ${d.name}: stp ${stp ? 'on' : 'off'}`, ['set', 'bridge', d.name, `stp_enable=${stp}`]));
  }
  return ops;
}
