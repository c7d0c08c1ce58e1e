/**
 * The one program of the Debian packages (a Node single executable application, scripts/package.ts):
 * it runs the binary it was started as. The fleetnet package installs it as /usr/lib/fleetnet/fleetnet
 * with /usr/bin/fleetnet, fleetnet-controller and fleetnet-gen-auth symlinked to it (one copy of
 * Node, ~100 MB, for all of them); the fleetnet-agent package installs the same file as
 * /usr/bin/fleetnet-agent. Each program is a bundle stored in the executable as an asset and run
 * only when chosen, through V8's code cache (scripts/code-cache.ts), so the CLI neither compiles
 * NestJS nor its own bundle at every start.
 */
import { basename } from 'node:path';
import { getAsset } from 'node:sea';
import { installedCacheDir, runWithCodeCache } from '../../scripts/code-cache.ts';
import { programs } from './programs.ts';

// In a single executable application argv is [execPath, the name it was started as, …arguments].
const started = basename(process.argv0);
const name = (programs as readonly string[]).includes(started) ? started : 'fleetnet';
// The programs read their arguments from argv[2…]; the CLI knows it is the main program by argv[1].
process.argv.splice(0, 2, process.execPath, name);
try {
  runWithCodeCache({ source: getAsset(`${name}.cjs`, 'utf8'), filename: process.execPath, name, cacheDir: installedCacheDir() });
} catch (e) {
  process.stderr.write(`${name}: ${(e as Error)?.stack ?? e}\n`);
  process.exit(1);
}
