/**
 * The one program of the Debian packages (a Node single executable application, scripts/package.ts):
 * it runs the binary it was started as. The fleetnet package installs it as /usr/lib/fleetnet/fleetnet
 * with /usr/bin/fleetnet, fleetnet-controller and fleetnet-gen-auth symlinked to it (one copy of
 * Node, ~100 MB, for all of them); the fleetnet-agent package installs the same file as
 * /usr/bin/fleetnet-agent. Each program is loaded only when chosen (esbuild keeps a dynamic import of
 * a bundled file lazy), so the CLI does not pay for NestJS.
 */
import { basename } from 'node:path';

const programs: Record<string, () => Promise<unknown>> = {
  fleetnet: () => import('../../cli/src/main.ts'),
  'fleetnet-agent': () => import('../../services/node-agent/src/main.ts'),
  'fleetnet-controller': () => import('../../services/controller/src/main.ts'),
  'fleetnet-gen-auth': () => import('../gen-auth.ts'),
};

// In a single executable application argv is [execPath, the name it was started as, …arguments].
const started = basename(process.argv0);
const name = started in programs ? started : 'fleetnet';
// The programs read their arguments from argv[2…]; the CLI knows it is the main program by argv[1].
process.argv.splice(0, 2, process.execPath, name);
programs[name]!().catch((e: unknown) => {
  process.stderr.write(`${name}: ${(e as Error)?.stack ?? e}\n`);
  process.exit(1);
});
