import type { Nic, NetworkState } from '@fleetnet/contracts';
import { canonicalState, resolveNicMatches, validateNetworkState } from '@fleetnet/contracts';
import type { PlanError } from '../backend.ts';

export class InvalidDesiredState extends Error {
  override name = 'InvalidDesiredState';
  constructor(readonly errors: { path: string; message: string }[]) {
    super(errors.map((e) => `${e.path || '(root)'}: ${e.message}`).join('\n'));
  }
}

export type Checked =
  | { ok: true; desired: NetworkState }
  /** `invalid`: the schema rejects it; else it names hardware this host does not have */
  | { ok: false; invalid: boolean; errors: PlanError[] };

/**
 * Step one of plan and apply, done once: the schema's checks, then interfaces selected by hardware
 * identity (`fleetnet.io/match`) become this host's real NICs (read only when something is matched).
 */
export function validateAndResolve(document: NetworkState, readNics: () => Nic[]): Checked {
  const v = validateNetworkState(document);
  if (!v.ok) return { ok: false, invalid: true, errors: v.errors };
  // From here on one spelling of each nmstate alias (ports/port, macvlan/mac-vlan, stp: true...).
  const desired = canonicalState(document);
  if (!(desired.interfaces ?? []).some((i) => i['fleetnet.io/match'])) return { ok: true, desired };
  const resolved = resolveNicMatches(desired, readNics());
  if (resolved.errors.length) return { ok: false, invalid: false, errors: resolved.errors };
  return { ok: true, desired: resolved.state };
}

/** What a person reads when the desired state is refused before anything ran. */
export function refusal(c: Extract<Checked, { ok: false }>): string {
  return c.invalid
    ? `invalid desired state:\n${c.errors.map((e) => `  ${e.path || '(root)'}: ${e.message}`).join('\n')}`
    : cannotApply(c.errors);
}

export const cannotApply = (errors: PlanError[]) => `the desired state cannot be applied:\n${errors.map((e) => `  ${e.path}: ${e.message}`).join('\n')}`;
