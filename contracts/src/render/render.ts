/**
 * Rendering a policy for one host: the pure core shared by `fleetnet render` (offline) and the
 * controller's compile step.
 *
 * Design note for the controller
 * ------------------------------
 *   const r = renderPolicy({ policy, current, host, pools, captured });
 *   r.ok  -> r.state: the host's desired state (strict NetworkState, validated like a literal document)
 *            r.captured: what every capture matched, by name. Freeze it per (policy revision, host) and
 *            pass it back as `captured` on every later render of that revision: the captures are then
 *            NOT re-evaluated, so applying the policy (which often moves what it captured, e.g. a bridge
 *            taking over the default-route NIC's address) cannot change the result. Drop the frozen
 *            value on a new policy revision or an explicit re-capture.
 *   !r.ok -> r.errors: RenderError[], each with a `kind`: `CaptureFailed` (host condition CaptureFailed,
 *            message names the expression and position), `PoolMissing` (no allocation given for that
 *            pool: PoolExhausted or not yet allocated), `TemplateUnresolved` (a label/fact/capture path
 *            the host lacks), `Invalid` (the rendered state breaks the schema), `CaptureSyntax` /
 *            `TemplateSyntax` (the policy is broken; validatePolicy already refuses these at intake).
 *            The host is left untouched: publish nothing for it.
 * - `policy` is a HostNetworkPolicy or an nmstate policy (`{ capture, desiredState }`); error paths
 *   start with `spec.` for the former.
 * - `current` is the host's last reported state. fleetnet's agent reports the kernel's routes and
 *   resolver under `config`; nmstate's capture reads `routes.running` and `dns-resolver.running`, so
 *   when `running` is absent the `config` list stands in for it.
 * - `pools`: the address each pool gave this host (allocation is the controller's job), used by
 *   `{{ pools.NAME.ip|prefix-length|gateway }}`. A policy without `{{ pools.* }}` needs none.
 * - `policyPools(policy)` lists the pools a policy uses, so the controller knows what to allocate first.
 * - Pure and deterministic: same inputs, same output (history, diff and a rebuild agree).
 */
import { Value } from '@sinclair/typebox/value';
import type { HostNetworkPolicy } from '../policy.ts';
import { NetworkState } from '../state.ts';
import { validateNetworkState } from '../semantic.ts';
import { renderError, RenderFailure, type RenderError } from './error.ts';
import { evaluateCaptures, type CapturedStates, type PlainState } from './capture-eval.ts';
import { fillTemplates, templateRefs, type PoolAddress, type RenderHost } from './template.ts';
import { policyRenderErrors, rebase, runningErrors } from './check.ts';

/** The parts of a policy rendering needs: nmstate's policy file has exactly these at its top level. */
export interface RenderSource {
  capture?: Record<string, string>;
  desiredState: unknown;
}

export interface RenderInput {
  policy: HostNetworkPolicy | RenderSource;
  current?: unknown;
  host?: RenderHost;
  pools?: Record<string, PoolAddress>;
  /** frozen captures of this policy revision for this host: used instead of evaluating `capture` */
  captured?: CapturedStates;
}

export type RenderResult =
  | { ok: true; state: NetworkState; captured: CapturedStates }
  | { ok: false; errors: RenderError[]; captured?: CapturedStates };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function sourceOf(policy: HostNetworkPolicy | RenderSource): { source: RenderSource; base: (string | number)[] } {
  if ('spec' in policy && isObject(policy.spec)) return { source: policy.spec as RenderSource, base: ['spec'] };
  return { source: policy as RenderSource, base: [] };
}

/** nmstate's capture reads `running`; fleetnet's agent reports what runs under `config`. */
export function captureView(current: unknown): PlainState {
  if (!isObject(current)) return {};
  const out: PlainState = { ...current };
  for (const k of ['routes', 'dns-resolver']) {
    const section = current[k];
    if (isObject(section) && section.running === undefined && section.config !== undefined) out[k] = { ...section, running: section.config };
  }
  return out;
}

/** Pools a policy's templates use (`{{ pools.NAME.* }}`), sorted. */
export function policyPools(policy: HostNetworkPolicy | RenderSource): string[] {
  const { source } = sourceOf(policy);
  const names = templateRefs(source.desiredState).refs.filter((r) => r.ref.path[0] === 'pools').map((r) => r.ref.path[1]!);
  return [...new Set(names)].sort();
}

/**
 * Values that came from a reference may be text where the schema wants a number or boolean
 * (`mtu: "{{ host.labels.mtu }}"`, `lldp.enabled := true` in nmstate's quote-blind style): convert those
 * to the schema's type. Literal values are never converted: a literal `mtu: "9000"` stays an error.
 */
function convertFilled(doc: unknown, filled: (string | number)[][], at: (string | number)[]): unknown {
  if (!filled.length) return doc;
  const converted = Value.Convert(NetworkState, structuredClone(doc));
  const rel = filled.map((f) => f.slice(at.length));
  const dynamic = (seg: (string | number)[]) => rel.some((f) => f.length <= seg.length && f.every((s, i) => s === seg[i]));
  const merge = (orig: unknown, conv: unknown, seg: (string | number)[]): unknown => {
    if (dynamic(seg)) return conv;
    if (Array.isArray(orig) && Array.isArray(conv)) return orig.map((o, i) => merge(o, conv[i], [...seg, i]));
    if (isObject(orig) && isObject(conv)) return Object.fromEntries(Object.entries(orig).map(([k, o]) => [k, merge(o, conv[k], [...seg, k])]));
    return orig;
  };
  return merge(doc, converted, []);
}

export function renderPolicy(input: RenderInput): RenderResult {
  const { source, base } = sourceOf(input.policy);
  const syntax = policyRenderErrors(source, base);
  if (syntax.length) return { ok: false, errors: syntax };

  let captured: CapturedStates = input.captured ?? {};
  const captures = source.capture ?? {};
  if (!input.captured && Object.keys(captures).length) {
    if (input.current === undefined) {
      return { ok: false, errors: [renderError('CaptureFailed', [...base, 'capture'], 'the policy has captures but no current state of the host is known yet')] };
    }
    const r = evaluateCaptures(captures, captureView(input.current));
    if (!r.ok) return { ok: false, errors: r.errors.map((e) => rebase(e, base)) };
    captured = r.captured;
  }

  const at = [...base, 'desiredState'];
  let filled: { value: unknown; filled: (string | number)[][] };
  try {
    filled = fillTemplates(source.desiredState ?? {}, { captured, host: input.host, pools: input.pools }, at);
  } catch (e) {
    if (!(e instanceof RenderFailure)) throw e;
    return { ok: false, errors: [e.error], captured };
  }
  const state = convertFilled(filled.value, filled.filled, at);
  const running = runningErrors(state, at);
  if (running.length) return { ok: false, errors: running, captured };
  const v = validateNetworkState(state, at);
  if (!v.ok) return { ok: false, errors: v.errors.map((e) => renderError('Invalid', e.segments, e.message)), captured };
  return { ok: true, state: v.value, captured };
}
