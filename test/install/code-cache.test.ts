/**
 * The built binaries start from V8's code cache (scripts/code-cache.ts): written by a run, used by the
 * next, never trusted for a different source, harmless where it cannot be written; and a closed
 * stdout pipe ends a command quietly.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { onExit } from '../support/cleanup.ts';

const repoRoot = new URL('../..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'fleetnet-code-cache-'));
onExit(`dir-${dir}`, () => rmSync(dir, { recursive: true, force: true }));

/** scripts/code-cache.ts as the dist/ stubs carry it: plain CommonJS, no TypeScript loader in the process. */
const loader = join(dir, 'code-cache.cjs');
buildSync({ entryPoints: [join(repoRoot, 'scripts/code-cache.ts')], bundle: true, platform: 'node', target: 'node20', format: 'cjs', outfile: loader, logLevel: 'warning' });

/** Runs `file` as the dist/ stubs do (runFile), in a child process. */
function runStub(file: string, env: Record<string, string> = {}, execArgv: string[] = []) {
  const r = spawnSync(process.execPath, [...execArgv, '-e', `require(${JSON.stringify(loader)}).runFile(${JSON.stringify(file)})`], {
    encoding: 'utf8', env: { ...process.env, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const caches = (d: string) => readdirSync(d).filter((f) => f.endsWith('.v8cache'));

test('the first run writes a cache named by the source\'s hash; the next run uses it and writes nothing', () => {
  const d = join(dir, 'a');
  mkdirSync(d);
  const prog = join(d, 'prog.cjs');
  writeFileSync(prog, 'function greet(n) { return "hello " + n; }\nconsole.log(greet(require("node:path").basename(__filename)));\n');
  const first = runStub(prog);
  assert.is(first.code, 0, first.stderr);
  assert.is(first.stdout, 'hello prog.cjs\n'); // require and __filename are the program's own
  const [cache] = caches(d);
  assert.match(cache ?? '', /^prog\.[0-9a-f]{16}\.v8cache$/);
  const before = readdirSync(d).map((f) => f);
  const second = runStub(prog);
  assert.is(second.stdout, 'hello prog.cjs\n');
  assert.equal(readdirSync(d), before);
});

test('a run that compiled much the cache did not hold rewrites it; one that found what it needed does not', () => {
  const d = join(dir, 'grow');
  mkdirSync(d);
  const prog = join(d, 'prog.cjs');
  // 300 functions called only with "all": a run without it compiles none of them
  const fns = Array.from({ length: 300 }, (_, i) => `function f${i}(x) { let s = 0; for (let j = 0; j < x; j++) s += j * ${i} + String(j).length; return s; }`).join('\n');
  const calls = Array.from({ length: 300 }, (_, i) => `f${i}(3)`).join(' + ');
  writeFileSync(prog, `${fns}\nconsole.log(process.env.WHICH === 'all' ? ${calls} : 'small');\n`);
  const size = () => statSync(join(d, caches(d)[0]!)).size;
  assert.is(runStub(prog, { WHICH: 'small' }).stdout, 'small\n');
  const small = size();
  runStub(prog, { WHICH: 'all' });
  const all = size();
  assert.ok(all > small * 1.5, `the cache grew with the functions the second run compiled: ${small} → ${all} bytes`);
  const mtime = statSync(join(d, caches(d)[0]!)).mtimeMs;
  runStub(prog, { WHICH: 'small' });
  runStub(prog, { WHICH: 'all' });
  assert.is(statSync(join(d, caches(d)[0]!)).mtimeMs, mtime, 'not rewritten by runs it already covers');
});

test('an edited program of the same length never runs from the old cache, and the old cache goes', () => {
  const d = join(dir, 'b');
  mkdirSync(d);
  const prog = join(d, 'prog.cjs');
  writeFileSync(prog, 'console.log("version A");\n');
  assert.is(runStub(prog).stdout, 'version A\n');
  const [old] = caches(d);
  writeFileSync(prog, 'console.log("version B");\n'); // same length: V8's own check would accept the old cache
  assert.is(runStub(prog).stdout, 'version B\n');
  const now = caches(d);
  assert.is(now.length, 1);
  assert.is.not(now[0], old);
});

test('a cache folder that cannot be written: the program runs all the same', () => {
  const d = join(dir, 'c');
  mkdirSync(d);
  const prog = join(d, 'prog.cjs');
  writeFileSync(prog, 'console.log("ran");\n');
  const notADir = join(d, 'plain-file');
  writeFileSync(notADir, '');
  // a folder under a plain file cannot be made, not even by root
  const r = spawnSync(process.execPath, ['-e', `const { runWithCodeCache } = require(${JSON.stringify(loader)});
    runWithCodeCache({ source: require('node:fs').readFileSync(${JSON.stringify(prog)}, 'utf8'), filename: ${JSON.stringify(prog)}, name: 'prog', cacheDir: ${JSON.stringify(join(notADir, 'cache'))} });`], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout, 'ran\n');
  assert.equal(caches(d), []);
});

test('with --enable-source-maps node\'s own loader runs the program (stack traces in the sources) and no cache is written', () => {
  const d = join(dir, 'd');
  mkdirSync(d);
  const prog = join(d, 'prog.cjs');
  writeFileSync(prog, 'console.log("mapped");\n');
  const r = runStub(prog, {}, ['--enable-source-maps']);
  assert.is(r.stdout, 'mapped\n', r.stderr);
  assert.equal(caches(d), []);
});

test('the built binaries keep their cache beside their bundle in dist/', () => {
  const r = spawnSync(process.execPath, [join(repoRoot, 'dist/fleetnet-agent.cjs'), '--version'], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /^\d+\.\d+\.\d+ \(commit [0-9a-f]+|unknown\)/);
  assert.ok(caches(join(repoRoot, 'dist')).some((f) => /^fleetnet-agent\.bundle\.[0-9a-f]{16}\.v8cache$/.test(f)));
  assert.ok(existsSync(join(repoRoot, 'dist/fleetnet-agent.bundle.cjs')));
});

test('a reader that has closed the pipe ends the command quietly (exit 0, no EPIPE stack)', () => {
  for (const bin of ['fleetnet', 'fleetnet-agent']) {
    // `true` has exited (its end of the pipe closed) before the binary writes its first byte
    const r = spawnSync('bash', ['-c', 'set -o pipefail; { sleep 0.3; exec "$0" "$1" --help; } | true; echo "status=$?"', process.execPath, join(repoRoot, `dist/${bin}.cjs`)], { encoding: 'utf8' });
    assert.not.match(r.stderr, /EPIPE|Unhandled/, `${bin}: ${r.stderr}`);
    assert.is(r.stdout, 'status=0\n');
  }
});

test.run();
