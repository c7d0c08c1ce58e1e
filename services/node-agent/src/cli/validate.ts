import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { formatSourceError, loadNetworkState, type SourceError } from '@fleetnet/contracts';

export interface ValidateResult {
  file: string;
  valid: boolean;
  errors: SourceError[];
}

/** Pure apart from reading the file: is this desired state valid, and does it use only what fleetnet supports? */
export function validateFile(file: string): ValidateResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
    return { file, valid: false, errors: [{ file, line: 1, col: 1, path: '', message: why, document: 0 }] };
  }
  const { errors } = loadNetworkState(text, file);
  return { file, valid: errors.length === 0, errors };
}

/**
 * `fleetnet-agent validate -f FILE`: offline. It reads the file and nothing else (no netlink, no
 * ovsdb, no NATS, no state directory); whether this host's kernel can do a feature is the plan's question.
 * Exit 0 valid and supported, 2 otherwise.
 */
export function registerValidateCommand(program: Command, exitBadInput: number): void {
  program
    .command('validate')
    .description('check a desired state offline: valid, and every feature it uses supported by fleetnet (touches nothing)')
    .requiredOption('-f, --file <state.yaml>', 'desired state (nmstate YAML)')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .action((o: { file: string; output: 'text' | 'json' }) => {
      const r = validateFile(o.file);
      if (o.output === 'json') process.stdout.write(JSON.stringify(r, null, 2) + '\n');
      else if (r.valid) process.stdout.write(`${o.file}: valid\n`);
      else process.stderr.write(r.errors.map(formatSourceError).join('\n') + '\n');
      process.exitCode = r.valid ? 0 : exitBadInput;
    });
}
