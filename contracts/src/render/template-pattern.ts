/**
 * The JSON Schema patterns of a `{{ }}` reference, apart from the rest of render/ so that validate.ts
 * can recognise a templated union without importing the schemas it validates.
 */

/** A whole value given by one reference. */
export const TEMPLATE_REF_PATTERN = '^\\s*\\{\\{[^{}]*\\}\\}\\s*$';
/** A text value holding one reference, with text around it allowed ("br-{{ host.name }}"). */
export const TEMPLATE_TEXT_PATTERN = '^[^{}]*\\{\\{[^{}]*\\}\\}[^{}]*$';

/** Why a string with braces is not accepted where a templated value stands. */
export const TEMPLATE_SHAPE =
  'is not a valid {{ }} reference: one closed reference, e.g. "{{ pools.NAME.ip }}" (text around it only where text stands, e.g. "br-{{ host.name }}")';

/**
 * `Union([strict, templateString])` as templatedSchema builds it: a value that is not a template
 * should be judged by the strict variant alone, so its errors stay precise.
 */
export function strictVariant(schema: { anyOf?: { pattern?: string }[] }): unknown {
  const a = schema.anyOf;
  if (a?.length !== 2) return undefined;
  const p = a[1]?.pattern;
  return p === TEMPLATE_REF_PATTERN || p === TEMPLATE_TEXT_PATTERN ? a[0] : undefined;
}
