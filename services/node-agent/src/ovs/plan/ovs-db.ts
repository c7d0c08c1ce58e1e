import type { NetworkState } from '@fleetnet/contracts';
import { op, type OvsOp } from './op.ts';

/**
 * The global `Open_vSwitch .` row, key by key: a key set to a value that differs is set, a key set
 * to null that exists is removed, keys not named are left alone.
 */
export function ovsDbOps(desired: NetworkState, actual: NetworkState): OvsOp[] {
  const ops: OvsOp[] = [];
  for (const col of ['external_ids', 'other_config'] as const) {
    const have = actual['ovs-db']?.[col] ?? {};
    for (const [k, v] of Object.entries(desired['ovs-db']?.[col] ?? {})) {
      if (v === null) {
        if (Object.hasOwn(have, k)) ops.push(op('ovs-db', `ovs-db ${col}: remove ${k}`, ['remove', 'Open_vSwitch', '.', col, k]));
      } else if (have[k] !== v) {
        ops.push(op('ovs-db', `ovs-db ${col}: ${k}=${v}`, ['set', 'Open_vSwitch', '.', `${col}:${k}=${JSON.stringify(v)}`]));
      }
    }
  }
  return ops;
}
