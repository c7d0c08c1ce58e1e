import { Type } from '@sinclair/typebox';

/**
 * Host and policy names end up inside NATS subjects, so they may only contain
 * characters that can never be a subject token separator or wildcard.
 */
export const NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$';
const NAME_RE = new RegExp(NAME_PATTERN);

export const Name = Type.String({
  pattern: NAME_PATTERN,
  description: 'letters, digits, "-" and "_", starting with a letter or digit, at most 63 characters',
});

/** Why `name` is not a valid host/policy name, or undefined when it is. */
export function nameProblem(name: unknown, what = 'name'): string | undefined {
  if (typeof name !== 'string') return `${what} must be a string`;
  const problem = describeNameProblem(name);
  return problem && `${what} ${problem}`;
}

/** The reason alone, without naming the field (e.g. `"a.b" contains a dot; ...`), for schema errors that already carry a path. */
export function describeNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'must not be empty';
  if (name.length > 63) return `"${name}" is longer than 63 characters`;
  if (NAME_RE.test(name)) return undefined;
  const allowed = 'only letters, digits, "-" and "_" are allowed';
  const bad = [...name].find((c) => !/[A-Za-z0-9_-]/.test(c));
  if (bad === '.') return `"${name}" contains a dot; ${allowed}`;
  if (bad === '*' || bad === '>') return `"${name}" contains the wildcard "${bad}"; ${allowed}`;
  if (bad !== undefined && /\s/.test(bad)) return `"${name}" contains whitespace; ${allowed}`;
  if (bad !== undefined) return `"${name}" contains "${bad}"; ${allowed}`;
  return `"${name}" must start with a letter or digit`;
}

export function assertName(name: unknown, what = 'name'): string {
  const problem = nameProblem(name, what);
  if (problem) throw new InvalidNameError(problem);
  return name as string;
}

export class InvalidNameError extends Error {
  override name = 'InvalidNameError';
}

/** Linux interface names: at most 15 bytes, no "/", whitespace, or ":". */
export const IFNAME_PATTERN = '^[A-Za-z0-9_.@-]{1,15}$';

/** Why `name` is not a usable Linux interface name, or undefined when it is. */
export function describeIfnameProblem(name: string): string | undefined {
  if (name.length === 0) return 'must not be empty';
  if (name.length > 15) return `"${name}" is longer than 15 characters, the Linux limit for interface names`;
  const bad = [...name].find((c) => !/[A-Za-z0-9_.@-]/.test(c));
  if (bad === undefined) return undefined;
  const what = /\s/.test(bad) ? 'whitespace' : `"${bad}"`;
  return `"${name}" contains ${what}; interface names may contain letters, digits, ".", "_", "-" and "@"`;
}
