/**
 * What can be checked in a templated policy without a host: capture syntax, capture dependencies,
 * template syntax, references to captures the policy does not define, and reported-only sections.
 * Policy intake (`validatePolicy`) runs this so a broken policy is refused before any host sees it.
 */
import { renderError, type RenderError } from './error.ts';
import { parseCaptures } from './capture-eval.ts';
import { templateRefs } from './template.ts';

type Seg = (string | number)[];

/** `segments` moved under `base` (errors of captures are made relative to the policy's `capture:`). */
export const rebase = (e: RenderError, base: Seg): RenderError => (base.length ? renderError(e.kind, [...base, ...e.segments], e.message, pick(e)) : e);
const pick = (e: RenderError) => ({
  ...(e.expression !== undefined ? { expression: e.expression } : {}),
  ...(e.position !== undefined ? { position: e.position } : {}),
  ...(e.capture !== undefined ? { capture: e.capture } : {}),
  ...(e.pool !== undefined ? { pool: e.pool } : {}),
});

/** `routes.running` and `dns-resolver.running` are what a host reports; a desired state sets `config`. */
export function runningErrors(state: unknown, at: Seg): RenderError[] {
  if (typeof state !== 'object' || state === null) return [];
  const s = state as Record<string, unknown>;
  return (['routes', 'dns-resolver'] as const)
    .filter((k) => typeof s[k] === 'object' && s[k] !== null && 'running' in (s[k] as object))
    .map((k) => renderError('Invalid', [...at, k, 'running'], `${k}.running is what a host reports; a desired state sets ${k}.config`));
}

export function policyRenderErrors(source: { capture?: Record<string, string>; desiredState?: unknown }, base: Seg = []): RenderError[] {
  // Malformed capture maps are the schema's to report; this also runs on documents the schema refused.
  const c = source.capture;
  const captures = typeof c === 'object' && c !== null && !Array.isArray(c) && Object.values(c).every((v) => typeof v === 'string') ? c : {};
  const errors = parseCaptures(captures).errors.map((e) => rebase(e, base));
  const at = [...base, 'desiredState'];
  const refs = templateRefs(source.desiredState, at);
  errors.push(...refs.errors);
  for (const r of refs.refs) {
    if (r.ref.path[0] === 'capture' && !(r.ref.path[1]! in captures)) {
      errors.push(renderError('TemplateSyntax', r.segments, `no capture named "${r.ref.path[1]}" in this policy${Object.keys(captures).length ? ` (it has ${Object.keys(captures).join(', ')})` : ''}`, { expression: r.text, position: r.ref.pos + 'capture.'.length }));
    }
  }
  errors.push(...runningErrors(source.desiredState, at));
  return errors;
}
