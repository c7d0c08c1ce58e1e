/**
 * The controller's source as layers: a file imports only from its own layer or the ones below, and
 * no two folders (or top-level files) import each other, directly or around a loop.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../src', import.meta.url));

/** Lowest first. A folder is named with its trailing slash; top-level files by name. */
const LAYERS: string[][] = [
  ['config.ts', 'bus.ts', 'streams.ts', 'compile.ts', 'label-index.ts'], // no controller state
  ['projection/'], // facts folded from the streams, intent checked, views derived
  ['rollout/', 'liveness.ts', 'publish.ts', 'pools.ts'], // decisions and overlays over the views, guarded writes
  ['pool-keeper.ts', 'reconciler.ts', 'intake/', 'heartbeats.ts'], // services that act on the bus
  ['api/'],
  ['lifecycle.ts', 'app.module.ts', 'index.ts', 'main.ts'], // wiring
];

function files(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) files(p, out);
    else if (e.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** `projection/fold.ts` → `projection/`; `reconciler.ts` → `reconciler.ts` */
const unitOf = (file: string) => {
  const rel = relative(SRC, file);
  return rel.includes('/') ? `${rel.split('/')[0]}/` : rel;
};

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)[^'"]*?from\s+'(\.[^']+)'/gm)) out.push(resolve(dirname(file), m[1]!));
  for (const m of text.matchAll(/import\(\s*'(\.[^']+)'\s*\)/g)) out.push(resolve(dirname(file), m[1]!));
  return out.filter((p) => p.startsWith(SRC + '/'));
}

const all = files(SRC);
const edges = new Map<string, Set<string>>();
for (const f of all) {
  const from = unitOf(f);
  if (!edges.has(from)) edges.set(from, new Set());
  for (const to of imports(f).map(unitOf)) if (to !== from) edges.get(from)!.add(to);
}

test('every folder and top-level file has a layer', () => {
  const placed = new Set(LAYERS.flat());
  const missing = [...edges.keys()].filter((u) => !placed.has(u));
  assert.equal(missing, [], `not in LAYERS: ${missing.join(', ')}`);
});

test('imports go down the layers only', () => {
  const layer = new Map(LAYERS.flatMap((l, i) => l.map((u) => [u, i] as const)));
  const up: string[] = [];
  for (const [from, tos] of edges) for (const to of tos) if ((layer.get(to) ?? 0) > (layer.get(from) ?? 0)) up.push(`${from} → ${to}`);
  assert.equal(up, []);
});

test('no import cycle between folders or top-level files', () => {
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[] = [];
  const visit = (u: string, path: string[]) => {
    if (state.get(u) === 'done') return;
    if (state.get(u) === 'open') {
      cycles.push([...path.slice(path.indexOf(u)), u].join(' → '));
      return;
    }
    state.set(u, 'open');
    for (const v of edges.get(u) ?? []) visit(v, [...path, u]);
    state.set(u, 'done');
  };
  for (const u of edges.keys()) visit(u, []);
  assert.equal(cycles, []);
});

test('the check sees real imports', () => {
  assert.ok(edges.get('intake/')!.has('projection/'));
  assert.ok(edges.get('reconciler.ts')!.has('rollout/'));
});

test.run();
