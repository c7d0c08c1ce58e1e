/**
 * `pnpm build`: bundles the three binaries into dist/ as one CommonJS file each (Node 20, source
 * maps beside them), self-contained: no node_modules needed where they run.
 *
 *   node dist/fleetnet.cjs --help
 *   node --enable-source-maps dist/fleetnet-agent.cjs …   # stack traces in the TypeScript sources
 *
 * Each binary is dist/NAME.cjs, a stub that runs dist/NAME.bundle.cjs with V8's code cache
 * (dist/NAME.bundle.v8cache, written by the runs themselves; see scripts/code-cache.ts).
 *
 * CommonJS because a Node single executable application (scripts/package.ts) takes one CJS script;
 * the sources therefore avoid top-level await, and `import.meta.url` is mapped to the bundle's own file.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import { precompiledChecksPlugin } from '../contracts/scripts/precompile-checks.ts';

export const root = new URL('..', import.meta.url).pathname;
export const distDir = join(root, 'dist');

/** The binaries: output name → entry point. */
export const binaries = {
  fleetnet: 'cli/src/main.ts',
  'fleetnet-agent': 'services/node-agent/src/main.ts',
  'fleetnet-controller': 'services/controller/src/main.ts',
} as const;
export type Binary = keyof typeof binaries;

export function productVersion(): { version: string; commit: string } {
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  } catch { /* not a git checkout: the version alone */ }
  return { version, commit };
}

/** Options shared by the per-binary bundles and the multi-call bundle of the packages. */
export function bundleOptions(): BuildOptions {
  const { version, commit } = productVersion();
  return {
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: true,
    legalComments: 'none',
    logLevel: 'warning',
    define: {
      FLEETNET_BUILD_VERSION: JSON.stringify(version),
      FLEETNET_BUILD_COMMIT: JSON.stringify(commit),
      'import.meta.url': '__fleetnet_import_meta_url',
    },
    banner: { js: "var __fleetnet_import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
    plugins: [precompiledChecksPlugin()],
    // NestJS loads these lazily inside try/catch when an app uses them; fleetnet's controller does not.
    external: [
      '@nestjs/websockets', '@nestjs/websockets/*', '@nestjs/platform-express', 'class-transformer', 'class-transformer/*',
      'class-validator', '@grpc/grpc-js', '@grpc/proto-loader', 'kafkajs', 'mqtt', 'ioredis', 'amqplib',
      'amqp-connection-manager', 'nats',
    ],
  };
}

/** Through a rename, so that a bin started while a build runs never reads a half-written bundle. */
export function writeAtomically(files: { path: string; contents: Uint8Array }[]): void {
  mkdirSync(distDir, { recursive: true });
  // The map first: a bundle newer than its sources is what scripts/launch.js runs.
  const isMap = (f: { path: string }) => f.path.endsWith('.map');
  for (const f of [...files.filter(isMap), ...files.filter((f) => !isMap(f))]) {
    const tmp = `${f.path}.${process.pid}.tmp`;
    writeFileSync(tmp, f.contents);
    renameSync(tmp, f.path);
  }
}

/**
 * What `node dist/NAME.cjs` runs: a few lines that load dist/NAME.bundle.cjs through V8's code cache
 * (scripts/code-cache.ts), so that a command does not compile its whole bundle again at every start.
 */
async function buildStub(name: string): Promise<{ path: string; contents: Uint8Array }> {
  const outfile = join(distDir, `${name}.cjs`);
  const { outputFiles } = await build({
    stdin: {
      contents: `import { runFile } from './scripts/code-cache.ts';\nrunFile(require('node:path').join(__dirname, ${JSON.stringify(`${name}.bundle.cjs`)}));\n`,
      resolveDir: root,
      sourcefile: `${name}-stub.ts`,
      loader: 'ts',
    },
    bundle: true, platform: 'node', target: 'node20', format: 'cjs', outfile, write: false, logLevel: 'warning',
    banner: { js: '#!/usr/bin/env node' },
  });
  return { path: outfile, contents: outputFiles[0]!.contents };
}

export async function buildAll(): Promise<string[]> {
  const opts = bundleOptions();
  return Promise.all(
    Object.entries(binaries).map(async ([name, entry]) => {
      const bundle = join(distDir, `${name}.bundle.cjs`);
      const { outputFiles } = await build({ ...opts, entryPoints: [join(root, entry)], outfile: bundle, write: false });
      // the bundle (and its map) before the stub: a stub newer than the sources is what scripts/launch.js runs
      writeAtomically(outputFiles.map((f) => ({ path: f.path, contents: f.contents })));
      const stub = await buildStub(name);
      writeAtomically([stub]);
      return stub.path;
    }),
  );
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const started = Date.now();
  buildAll().then(
    (files) => console.log(`built ${files.map((f) => f.slice(root.length)).join(', ')} in ${Date.now() - started} ms`),
    (e: unknown) => {
      console.error(`build failed: ${(e as Error).message}`);
      process.exit(1);
    },
  );
}
