import type { Interface } from '@fleetnet/contracts';
import { stpOf } from '@fleetnet/contracts';
import { op, type OvsOp } from './op.ts';

type Options = NonNullable<NonNullable<Interface['bridge']>['options']>;

/** Bridge columns by nmstate's option names (booleans; OVS reads a missing one as false). */
const BOOL_COLUMNS = [
  { get: (o: Options) => stpOf(o)?.enabled, column: 'stp_enable' },
  { get: (o: Options) => o.rstp, column: 'rstp_enable' },
  { get: (o: Options) => o['mcast-snooping-enable'], column: 'mcast_snooping_enable' },
] as const;

/** The `set bridge` columns and the fail-mode operation for what `want` names and `have` lacks (all named ones when new). */
function optionOps(name: string, want: Options | undefined, have: Options | undefined, isNew: boolean): OvsOp[] {
  if (!want) return [];
  const cols: string[] = [];
  if (want.datapath && want.datapath !== (have?.datapath ?? 'system')) cols.push(`datapath_type=${want.datapath}`);
  for (const c of BOOL_COLUMNS) {
    const v = c.get(want);
    if (v === undefined || (isNew ? !v : v === (have ? c.get(have) ?? false : false))) continue;
    cols.push(`${c.column}=${v}`);
  }
  const ops = cols.length ? [op(name, `bridge ${name}: ${cols.join(' ')}`, ['set', 'bridge', name, ...cols])] : [];
  const fail = want['fail-mode'];
  if (fail !== undefined && fail !== (have?.['fail-mode'] ?? '')) {
    // "" is nmstate's "OVS's default": no fail_mode on the row
    ops.push(fail ? op(name, `bridge ${name}: fail-mode ${fail}`, ['set-fail-mode', name, fail]) : op(name, `bridge ${name}: default fail-mode`, ['del-fail-mode', name]));
  }
  return ops;
}

/** A new bridge with its options, or the options an existing one (`ab`) changes. */
export function bridgeOps(d: Interface, ab: Interface | undefined): OvsOp[] {
  const opts = d.bridge?.options;
  if (!ab) return [op(d.name, `create ovs-bridge ${d.name}`, ['--may-exist', 'add-br', d.name]), ...optionOps(d.name, opts, undefined, true)];
  return optionOps(d.name, opts, ab.bridge?.options, false);
}
