import { parseSelector, SelectorSyntaxError, type LabelSelector } from '@fleetnet/contracts';
import { CliError, ExitCode } from './exit-codes.ts';

/** `-l` parsed locally (contracts' kubectl-syntax parser), so a typo is exit 2 before the server is asked. */
export function parseSelectorArg(text: string): LabelSelector {
  try {
    return parseSelector(text);
  } catch (e) {
    if (e instanceof SelectorSyntaxError) throw new CliError(`invalid selector "${text}": ${e.message}`, ExitCode.invalid);
    throw e;
  }
}
