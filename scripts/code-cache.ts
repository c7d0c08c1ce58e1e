/**
 * Runs a bundled program (CommonJS source) with V8's code cache: the bytecode of every function a
 * run compiled is kept in a file beside it (or in a cache directory), and the next run starts from it
 * instead of parsing and compiling 2-4 MB of JavaScript again. Measured on `fleetnet-agent apply`:
 * about 80 ms of a 400 ms process (bench/apply). Node 22 has this built in (module.enableCompileCache);
 * Node 20, which Debian-era hosts run and the packages embed, does not.
 *
 * The cache is only a speed-up: V8 checks it against the source, its own version and flags, and a
 * rejected, missing, unreadable or unwritable cache just means a normal compile. After a run it is
 * rewritten when it was missing or rejected, or when this run compiled much that it did not hold (a
 * `--help` first, an `apply` later: the cache grows to what the commands in use need). Writing costs
 * about 10 ms, so a run that found what it needed does not write.
 *
 * Bundled into the dist/ stubs (scripts/build.ts) and the packages' single executable (deploy/debian/
 * multicall.ts), so it may import node builtins only.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { getHeapCodeStatistics } from 'node:v8';
import { Script } from 'node:vm';

/**
 * Rewrite a valid cache when a run ends with this much more bytecode in the heap than the run that
 * wrote it: it compiled functions the cache does not hold (a cache written by `--help`, then an
 * `apply`). A run the cache covers ends near the writer's amount: it deserialized all of it, and
 * node's own lazily compiled internals are about the same. One heap statistic at exit (~3 ms).
 */
const REWRITE_FACTOR = 1.1;
/** The file: this magic, the writer's bytecode at exit (uint32 LE), then V8's cached data. */
const MAGIC = Buffer.from('fnc1');
const HEADER = MAGIC.length + 4;

const heapBytecode = () => getHeapCodeStatistics().bytecode_and_metadata_size;

function parseCache(file: Buffer | undefined): { data: Buffer; writerBytecode: number } | undefined {
  if (!file || file.length <= HEADER || !file.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  return { writerBytecode: file.readUInt32LE(MAGIC.length), data: file.subarray(HEADER) };
}

function serializeCache(data: Buffer, bytecode: number): Buffer {
  const header = Buffer.alloc(HEADER);
  MAGIC.copy(header);
  header.writeUInt32LE(Math.min(bytecode, 0xffffffff), MAGIC.length);
  return Buffer.concat([header, data]);
}

/** With source maps asked for, the stack traces must come from node's own CommonJS loader. */
const sourceMapsWanted = () =>
  process.execArgv.includes('--enable-source-maps') || /(^|\s)--enable-source-maps(\s|$)/.test(process.env.NODE_OPTIONS ?? '');

const readOrUndefined = (file: string) => {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
};

/** Written through a rename (concurrent runs: the last complete one wins); caches of older sources go. */
function writeCache(dir: string, name: string, file: string, data: Buffer): void {
  try {
    mkdirSync(dir, { recursive: true });
    const tmp = join(dir, `${file}.${process.pid}.tmp`);
    writeFileSync(tmp, data, { mode: 0o644 });
    renameSync(tmp, join(dir, file));
    for (const old of readdirSync(dir)) {
      if (old !== file && old.startsWith(`${name}.`) && old.endsWith('.v8cache')) rmSync(join(dir, old), { force: true });
    }
  } catch {
    /* a read-only location: every run compiles, as without a cache */
  }
}

/**
 * Runs `source` as the CommonJS module `filename` (its require, __filename and __dirname are those of
 * that file), with its code cache in `cacheDir` under `name`. The file name holds a hash of the
 * source: V8 itself checks only the source's length, and a stale cache of an edited bundle of the
 * same length would run the old code.
 */
export function runWithCodeCache(opts: { source: string; filename: string; name: string; cacheDir: string }): void {
  const { source, filename, name, cacheDir } = opts;
  const file = `${name}.${createHash('sha1').update(source).digest('hex').slice(0, 16)}.v8cache`;
  const cached = parseCache(readOrUndefined(join(cacheDir, file)));
  const script = new Script(Module.wrap(source), { filename, cachedData: cached?.data });
  const fresh = !cached || script.cachedDataRejected === true;
  process.once('exit', () => {
    const bytecode = heapBytecode();
    if (fresh || bytecode > cached.writerBytecode * REWRITE_FACTOR) writeCache(cacheDir, name, file, serializeCache(script.createCachedData(), bytecode));
  });
  const mod = new Module(filename);
  mod.filename = filename;
  (script.runInThisContext() as (...a: unknown[]) => void).call(mod.exports, mod.exports, createRequire(filename), mod, filename, dirname(filename));
}

/** A program in a file: through the code cache beside it, or node's own loader when source maps are on. */
export function runFile(filename: string): void {
  if (sourceMapsWanted()) {
    createRequire(filename)(filename);
    return;
  }
  runWithCodeCache({ source: readFileSync(filename, 'utf8'), filename, name: basename(filename, '.cjs'), cacheDir: dirname(filename) });
}

/**
 * Where an installed program keeps its caches: FLEETNET_CODE_CACHE_DIR; else the unit's cache
 * directory (systemd's CacheDirectory=fleetnet sets CACHE_DIRECTORY); else /var/cache/fleetnet for
 * root (the packages create it); else the user's XDG cache directory. Never a shared temporary
 * directory: a cache is code that gets run.
 */
export function installedCacheDir(): string {
  if (process.env.FLEETNET_CODE_CACHE_DIR) return process.env.FLEETNET_CODE_CACHE_DIR;
  if (process.env.CACHE_DIRECTORY) return process.env.CACHE_DIRECTORY.split(':')[0]!;
  if (process.getuid?.() === 0) return '/var/cache/fleetnet';
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'fleetnet');
}
