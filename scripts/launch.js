// What the package bins run (cli/bin/fleetnet.js, services/*/bin/*.js): the built bundle in dist/
// (`pnpm build`), or the TypeScript sources through tsx when the bundle is missing, older than a
// source file, or FLEETNET_FROM_SOURCES=1, so that a stale build can never hide a source change.
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The source folders of the workspace packages: <pkg>/src and services/<pkg>/src. */
function sourceDirs() {
  const dirs = [];
  for (const top of readdirSync(root, { withFileTypes: true })) {
    if (!top.isDirectory() || top.name.startsWith('.') || top.name === 'node_modules' || top.name === 'dist') continue;
    dirs.push(join(root, top.name, 'src'));
    if (top.name === 'services') for (const s of readdirSync(join(root, 'services'))) dirs.push(join(root, 'services', s, 'src'));
  }
  return dirs;
}

function newerThan(dir, mtimeMs) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory() ? newerThan(p, mtimeMs) : statSync(p, { throwIfNoEntry: false })?.mtimeMs > mtimeMs) return true;
  }
  return false;
}

function freshBundle(name) {
  if (process.env.FLEETNET_FROM_SOURCES === '1') return undefined;
  const bundle = join(root, 'dist', `${name}.cjs`);
  const built = statSync(bundle, { throwIfNoEntry: false });
  if (!built) return undefined;
  return sourceDirs().some((d) => newerThan(d, built.mtimeMs)) ? undefined : bundle;
}

/** Runs binary `name` (dist/<name>.cjs) or its TypeScript entry point `source` (relative to the repo root). */
export async function launch(name, source) {
  const bundle = freshBundle(name);
  if (bundle) {
    createRequire(import.meta.url)(bundle);
    return;
  }
  const { register } = await import('tsx/esm/api');
  register();
  await import(join(root, source));
}
