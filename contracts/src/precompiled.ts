import type { TSchema } from '@sinclair/typebox';

/**
 * Schema checks compiled ahead of time. In the built binaries `pnpm build` replaces this module with
 * TypeBox's generated code for the schemas the commands check first (contracts/scripts/precompile-checks.ts):
 * compiling NetworkState's check at run time costs every cold CLI process ~15 ms, while code in the
 * bundle comes from V8's code cache. From the sources (tsx, tests) it is empty, and validate.ts
 * compiles each schema at its first use.
 */
export const precompiledChecks: ReadonlyMap<TSchema, (value: unknown) => boolean> = new Map();
