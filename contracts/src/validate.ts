import { FormatRegistry, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ValueErrorType } from '@sinclair/typebox/errors';
import { Value } from '@sinclair/typebox/value';
import { IFNAME_PATTERN, NAME_PATTERN, describeIfnameProblem, describeNameProblem } from './names.ts';
import { precompiledChecks } from './precompiled.ts';
import { TEMPLATE_SHAPE, strictVariant } from './render/template-pattern.ts';

// TypeBox knows no string formats by itself: without this every `format: 'date-time'` (the
// CloudEvents `time`) fails validation. RFC 3339 as CloudEvents requires it.
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
if (!FormatRegistry.Has('date-time')) {
  FormatRegistry.Set('date-time', (v) => RFC3339.test(v) && !Number.isNaN(Date.parse(v)));
}

/** One problem in a document: where (as a path a person can read and as segments for source mapping) and why. */
export interface ValidationError {
  /** e.g. `spec.desiredState.interfaces[0].vlan.id` */
  path: string;
  /** the same location as keys and indexes, for mapping back to a YAML line */
  segments: (string | number)[];
  message: string;
}

export type Validated<T> = { ok: true; value: T } | { ok: false; errors: ValidationError[] };

export class ValidationFailed extends Error {
  override name = 'ValidationFailed';
  constructor(
    readonly errors: ValidationError[],
    what = 'document',
  ) {
    super(`${what} is invalid:\n${errors.map((e) => `  ${e.path || '(root)'}: ${e.message}`).join('\n')}`);
  }
}

/** The message prefix of an unknown key; YAML errors point at the key itself for these, not its value. */
export const UNKNOWN_FIELD = 'unknown field';

export function formatPath(segments: readonly (string | number)[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(s)) out += out ? `.${s}` : s;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

function pointerSegments(pointer: string): (string | number)[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}

const describe = (v: unknown): string => {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  return `${typeof v} ${String(v)}`;
};

function humanMessage(type: ValueErrorType, schema: Record<string, any>, value: unknown, key: string | number | undefined): string {
  switch (type) {
    case ValueErrorType.ObjectAdditionalProperties:
      // A record with a key pattern (labels): the key is not unknown, it is malformed.
      if (schema.patternProperties) return `invalid key ${JSON.stringify(key)}${schema.description ? ` (${schema.description})` : ''}`;
      return `${UNKNOWN_FIELD} ${JSON.stringify(key)}`;
    case ValueErrorType.ObjectRequiredProperty:
      return 'is required';
    case ValueErrorType.Integer:
      return `must be an integer, got ${describe(value)}`;
    case ValueErrorType.Number:
      return `must be a number, got ${describe(value)}`;
    case ValueErrorType.String:
      return `must be a string, got ${describe(value)}`;
    case ValueErrorType.Boolean:
      return `must be true or false, got ${describe(value)}`;
    case ValueErrorType.Array:
      return `must be a list, got ${describe(value)}`;
    case ValueErrorType.Object:
      return `must be a mapping, got ${describe(value)}`;
    case ValueErrorType.IntegerMaximum:
    case ValueErrorType.NumberMaximum:
      return `must be at most ${schema.maximum}, got ${String(value)}${schema.description ? ` (${schema.description})` : ''}`;
    case ValueErrorType.IntegerMinimum:
    case ValueErrorType.NumberMinimum:
      return `must be at least ${schema.minimum}, got ${String(value)}${schema.description ? ` (${schema.description})` : ''}`;
    case ValueErrorType.StringPattern:
      if (typeof value === 'string' && schema.pattern === NAME_PATTERN) return describeNameProblem(value) ?? 'is not valid';
      if (typeof value === 'string' && schema.pattern === IFNAME_PATTERN) return describeIfnameProblem(value) ?? 'is not valid';
      // a secret (writeOnly, e.g. an MKA CAK) is not echoed: a near miss is most of the key
      if (schema.writeOnly) return `is not valid${schema.description ? `: ${schema.description}` : ''}`;
      return `${JSON.stringify(value)} is not valid${schema.description ? `: ${schema.description}` : ` (must match ${schema.pattern})`}`;
    case ValueErrorType.StringFormat:
      return `${describe(value)} is not a valid ${schema.format}${schema.format === 'date-time' ? ' (RFC 3339, e.g. 2024-05-01T12:00:00Z)' : ''}`;
    case ValueErrorType.StringMinLength:
      if (schema.minLength === 1) return 'must not be empty';
      return `must not be shorter than ${schema.minLength} characters`;
    case ValueErrorType.StringMaxLength:
      return `must not be longer than ${schema.maxLength} characters`;
    case ValueErrorType.ArrayMinItems:
      return `must have at least ${schema.minItems} entries`;
    case ValueErrorType.Literal:
      return `must be ${JSON.stringify(schema.const)}, got ${describe(value)}`;
    case ValueErrorType.Union: {
      const options = (schema.anyOf ?? []) as Record<string, any>[];
      if (options.length > 0 && options.every((o) => 'const' in o)) {
        return `must be one of ${options.map((o) => String(o.const)).join(', ')}; got ${describe(value)}`;
      }
      return `${describe(value)} is not valid${schema.description ? `: ${schema.description}` : ''}`;
    }
    default:
      return schema.description ? `is not valid: ${schema.description}` : 'is not valid';
  }
}

/**
 * A union such as "true/false or a mapping" (nmstate's `stp`): when the value is a mapping, the
 * errors are those of the one mapping alternative, not the union's "is not valid".
 */
function mappingVariant(schema: { anyOf?: Record<string, any>[] }, value: unknown): TSchema | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const objects = (schema.anyOf ?? []).filter((o) => o.type === 'object');
  return objects.length === 1 ? (objects[0] as TSchema) : undefined;
}

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

/**
 * The fast yes/no: TypeBox's compiled checker, built once per schema. Walking a valid value for its
 * errors (what schemaErrors does next) costs several times more, and almost every event the
 * controller folds is valid; the readable errors are only built for the ones that are not.
 */
function isValid(schema: TSchema, value: unknown): boolean {
  const ahead = precompiledChecks.get(schema);
  if (ahead) return ahead(value);
  let check = compiled.get(schema);
  if (!check) {
    check = TypeCompiler.Compile(schema);
    compiled.set(schema, check);
  }
  return check.Check(value);
}

/**
 * Every schema error of `value`, one per location, with messages a person understands.
 * TypeBox reports a missing property twice (required + wrong type); we keep the first per path.
 */
export function schemaErrors(schema: TSchema, value: unknown, prefix: (string | number)[] = []): ValidationError[] {
  if (isValid(schema, value)) return [];
  const seen = new Set<string>();
  const out: ValidationError[] = [];
  for (const e of Value.Errors(schema, value)) {
    const segments = [...prefix, ...pointerSegments(e.path)];
    // A policy's desiredState widens values to "this or a {{ }} reference": a value that is not a
    // reference gets the strict variant's own errors, not the union's "is not valid".
    const strict = e.type === ValueErrorType.Union ? strictVariant(e.schema as any) ?? mappingVariant(e.schema as any, e.value) : undefined;
    if (strict && typeof e.value === 'string' && /\{\{|\}\}/.test(e.value)) {
      const path = formatPath(segments);
      if (!seen.has(path)) out.push({ path, segments, message: TEMPLATE_SHAPE });
      seen.add(path);
      continue;
    }
    if (strict) {
      for (const inner of schemaErrors(strict as TSchema, e.value, segments)) {
        if (!seen.has(inner.path)) out.push(inner);
        seen.add(inner.path);
      }
      continue;
    }
    const path = formatPath(segments);
    if (seen.has(path)) continue;
    seen.add(path);
    out.push({ path, segments, message: humanMessage(e.type, e.schema as any, e.value, segments[segments.length - 1]) });
  }
  return out;
}

export function validateSchema<T extends TSchema>(schema: T, value: unknown): Validated<Static<T>> {
  const errors = schemaErrors(schema, value);
  return errors.length ? { ok: false, errors } : { ok: true, value: value as Static<T> };
}

export function error(segments: (string | number)[], message: string): ValidationError {
  return { path: formatPath(segments), segments, message };
}
