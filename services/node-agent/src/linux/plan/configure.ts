import type { Interface } from '@fleetnet/contracts';
import { addressOps, type AddressList } from './addresses.ts';
import { kindOf } from './kinds.ts';
import { bridgeOp, op, type LinuxOp } from './op.ts';
import type { PlanView } from './view.ts';

export interface ConfigureInputs {
  fresh: ReadonlySet<string>;
  removedForGood: ReadonlySet<string>;
  /** ports of a bond being removed: the kernel sets them down and gives them back their old MTU */
  releasedByBond: ReadonlySet<string>;
  /** filled in: interface -> the addresses it keeps, for those that lose some */
  addressLoss: Map<string, AddressList>;
}

/** Ports leave and join a bridge or bond; a bond takes only ports that are down. */
function portOps(n: string, wanted: string[], current: string[], downFirst: boolean, isFresh: boolean, v: PlanView, inp: ConfigureInputs): LinuxOp[] {
  const ops: LinuxOp[] = [];
  for (const p of current) {
    if (!wanted.includes(p) && !inp.removedForGood.has(p)) ops.push(op('linux-configure', p, `link set ${p} nomaster`));
  }
  for (const p of wanted) {
    if (!inp.fresh.has(p) && !isFresh && v.actualByName.get(p)?.controller === n) continue;
    if (downFirst) ops.push(op('linux-configure', p, `link set ${p} down`));
    ops.push(op('linux-configure', p, `link set ${p} master ${n}`));
    if (downFirst && (v.present.get(p)?.state ?? 'up') === 'up') ops.push(op('linux-configure', p, `link set ${p} up`));
  }
  return ops;
}

/** Pure: one interface's configuration, in the order the kernel needs: kind options, ports, mtu, mac, addresses, state. */
export function configureOps(d: Interface, v: PlanView, inp: ConfigureInputs): LinuxOp[] {
  const n = d.name;
  const isFresh = inp.fresh.has(n);
  const a = isFresh ? undefined : v.actualByName.get(n);
  const kind = kindOf(d.type ?? v.actualByName.get(n)?.type);
  const ops: LinuxOp[] = [];

  if (kind?.configureInPlace && a) ops.push(...kind.configureInPlace(d, a).map((line) => op('linux-configure', n, line)));
  const wanted = kind?.ports?.wanted(d);
  if (kind?.ports && wanted) ops.push(...portOps(n, wanted, kind.ports.current(a), kind.ports.downFirst, isFresh, v, inp));
  if (kind?.portSettings) ops.push(...kind.portSettings(d, a).map((line) => op('linux-configure', n, line)));
  if (kind?.bridgeLines) ops.push(...kind.bridgeLines(d, a).map((line) => bridgeOp('linux-configure', n, line)));
  const released = inp.releasedByBond.has(n);
  if (d.mtu !== undefined && (released || d.mtu !== a?.mtu)) ops.push(op('linux-configure', n, `link set ${n} mtu ${d.mtu}`));
  const promisc = d['accept-all-mac-addresses'];
  if (promisc !== undefined && promisc !== (a?.['accept-all-mac-addresses'] ?? false)) ops.push(op('linux-configure', n, `link set ${n} promisc ${promisc ? 'on' : 'off'}`));
  // copy-mac-from: the source's MAC as read (a bond port's is its own permanent one, as nmstate takes it)
  const mac = (d['mac-address'] ?? (d['copy-mac-from'] ? v.actualByName.get(d['copy-mac-from'])?.['mac-address'] : undefined))?.toLowerCase();
  if (mac && mac !== a?.['mac-address']?.toLowerCase()) ops.push(op('linux-configure', n, `link set ${n} address ${mac}`));
  // the description is the kernel's interface alias (validation keeps quotes and line breaks out of it)
  if (d.description !== undefined && d.description !== (a?.description ?? '')) ops.push(op('linux-configure', n, `link set ${n} alias "${d.description}"`));
  ops.push(...addressOps(d, a, inp.addressLoss));
  const state = d.state ?? (isFresh ? 'up' : undefined);
  if ((state === 'up' || state === 'down') && (released || state !== a?.state)) ops.push(op('linux-configure', n, `link set ${n} ${state}`));
  return ops;
}
