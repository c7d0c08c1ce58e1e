/**
 * A policy's desiredState may hold `{{ }}` references where typed values stand
 * (`prefix-length: "{{ pools.storage.prefix-length }}"`, `ipv4: "{{ capture.base.interfaces.0.ipv4 }}"`);
 * what a host gets (rendered) is strictly typed. `templatedSchema(NetworkState)` derives the policy's
 * variant from the strict schema, so the two cannot drift apart: every value, mapping and list becomes
 * `Union([strict, templateString])` (a mapping or list given whole by a reference is a captured
 * subtree). validate.ts judges a value that is not a reference by the strict variant alone, so the
 * messages stay precise ("unknown field mtuu", "must be an integer").
 */
import { Kind, OptionalKind, Type, type TSchema } from '@sinclair/typebox';
import { NetworkState } from '../state.ts';
import { TEMPLATE_REF_PATTERN, TEMPLATE_TEXT_PATTERN } from './template-pattern.ts';

export { TEMPLATE_REF_PATTERN, TEMPLATE_TEXT_PATTERN };

const TemplateRef = Type.String({
  pattern: TEMPLATE_REF_PATTERN,
  description: 'a reference filled in per host: "{{ capture.NAME.PATH }}", "{{ host.name }}", "{{ host.labels.KEY }}", "{{ host.facts.PATH }}" or "{{ pools.NAME.ip|prefix-length|gateway }}"',
});
const TemplateText = Type.String({ pattern: TEMPLATE_TEXT_PATTERN, description: 'text with one {{ }} reference, e.g. "br-{{ host.name }}"' });

const OPTIONS = ['description', 'additionalProperties', 'minItems', 'maxItems', 'minProperties', 'title', 'if', 'then', 'allOf'] as const;
const options = (s: Record<string, unknown>) => Object.fromEntries(OPTIONS.filter((k) => k in s).map((k) => [k, s[k]]));
const withTemplate = (s: TSchema, t: TSchema) =>
  Type.Union([s, t], { description: `${(s as { description?: string }).description ?? 'a value'}, or a {{ }} reference` });

const STRUCTURED = new Set(['Object', 'Array', 'Record']);

/** The schema with its children templated, itself not widened. */
function inner(schema: TSchema): TSchema {
  const s = schema as TSchema & Record<string, any>;
  switch (s[Kind]) {
    case 'Object': {
      const props = Object.fromEntries(Object.entries(s.properties as Record<string, TSchema>).map(([k, p]) => [k, templatedSchema(p)]));
      return Type.Object(props, options(s));
    }
    case 'Array':
      return Type.Array(templatedSchema(s.items), options(s));
    case 'Record': {
      const [pattern, value] = Object.entries(s.patternProperties as Record<string, TSchema>)[0]!;
      const key = pattern === '^(.*)$' ? Type.String() : Type.String({ pattern });
      return Type.Record(key, templatedSchema(value), options(s));
    }
    case 'Union':
      // `stp: true | { enabled, priority }`: the mapping's values take references too. A union of
      // literals stays as it is (its "must be one of" message needs the bare literals).
      return (s.anyOf as TSchema[]).some((v) => STRUCTURED.has((v as any)[Kind])) ? Type.Union((s.anyOf as TSchema[]).map(inner), options(s)) : schema;
    default:
      return schema;
  }
}

/** The templated variant of a strict schema (structure kept, every value widened). */
export function templatedSchema(schema: TSchema): TSchema {
  const s = schema as TSchema & Record<string, any>;
  const optional = s[OptionalKind] === 'Optional';
  const out =
    s[Kind] !== 'String'
      ? // Integer, Number, Boolean, literals, mappings, lists: as they are (children templated), or a whole reference.
        withTemplate(inner(schema), TemplateRef)
      : s.pattern === undefined
        ? // A string without a pattern already takes any text, references included.
          Type.String(options(s))
        : withTemplate(Type.String({ ...options(s), pattern: s.pattern }), TemplateText);
  return optional ? Type.Optional(out) : out;
}

/** A policy's desiredState as published: NetworkState where every value may be a template. */
export const TemplatedNetworkState = Type.Unsafe<typeof NetworkState.static>({
  ...templatedSchema(NetworkState),
  $id: 'TemplatedNetworkState',
});
