/**
 * The esbuild plugin behind contracts/src/precompiled.ts: in a bundle, that module holds TypeBox's
 * generated check code for the schemas below as plain functions, instead of compiling them with
 * `new Function` at run time (~15 ms of a cold `fleetnet-agent apply` for NetworkState). The code is
 * generated from the very schema objects the bundle imports, at every build, so it cannot go stale.
 */
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { Plugin } from 'esbuild';
import { HostNetworkPolicy } from '../src/policy.ts';
import { NetworkState } from '../src/state.ts';

/** What is compiled ahead: the schema's export name → the module (relative to contracts/src) and the schema. */
const SCHEMAS = {
  NetworkState: { from: './state.ts', schema: NetworkState },
  HostNetworkPolicy: { from: './policy.ts', schema: HostNetworkPolicy },
};

/** The module's text: every check as an immediately built function (TypeBox's code is a function body). */
export function precompiledModule(): string {
  const lines = Object.entries(SCHEMAS).map(([name, { from }]) => `import { ${name} } from '${from}';`);
  const entries = Object.entries(SCHEMAS).map(([name, { schema }]) => {
    const code = TypeCompiler.Code(schema, [], { language: 'javascript' });
    // self-contained: no custom kinds, formats or hashes, which Compile would pass in as arguments
    if (/\b(kind|format|hash)\(/.test(code)) throw new Error(`the check of ${name} needs TypeBox's registries: it cannot be compiled ahead`);
    return `  [${name}, (function () {\n${code}\n})()],`;
  });
  return `${lines.join('\n')}\nexport const precompiledChecks = new Map([\n${entries.join('\n')}\n]);\n`;
}

export function precompiledChecksPlugin(): Plugin {
  return {
    name: 'fleetnet-precompiled-checks',
    setup(build) {
      build.onLoad({ filter: /[\\/]contracts[\\/]src[\\/]precompiled\.ts$/ }, () => ({ contents: precompiledModule(), loader: 'js' }));
    },
  };
}
