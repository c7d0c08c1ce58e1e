import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { formatSourceError, parseYamlDocuments, type HostNetworkPolicy } from '@fleetnet/contracts';
import { examples, type Ctx } from '../context.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { convertHostPlumber } from '../convert/hostplumber.ts';
import { convertOvirt } from '../convert/ovirt.ts';
import { convertNncp } from '../convert/nncp.ts';
import type { ConvertResult } from '../convert/result.ts';

export const CONVERTERS = { ovirt: convertOvirt, hostplumber: convertHostPlumber, nncp: convertNncp } as const;
export type ConvertFrom = keyof typeof CONVERTERS;

/** Converts every document of a file; unsupported lines name the document when there are several. */
export function convertText(from: ConvertFrom, text: string, file: string): ConvertResult {
  const { documents, errors } = parseYamlDocuments(text, file);
  if (errors.length) throw new CliError(`${file} is not valid YAML`, ExitCode.invalid, errors.map(formatSourceError));
  const result: ConvertResult = { policies: [], unsupported: [] };
  for (const doc of documents) {
    const r = CONVERTERS[from](doc.value);
    result.policies.push(...r.policies);
    const where = documents.length > 1 ? `${file} (document ${doc.index + 1})` : file;
    result.unsupported.push(...r.unsupported.map((u) => `${where}: ${u}`));
  }
  return result;
}

export function renderConverted(policies: readonly HostNetworkPolicy[], unsupported: readonly string[], header: string): string {
  const head = [`# ${header}`];
  if (unsupported.length) head.push(`# not converted (${unsupported.length}):`, ...unsupported.map((u) => `#   ${u}`));
  return head.join('\n') + '\n' + policies.map((p) => `---\n${stringify(p, { lineWidth: 0 })}`).join('');
}

export function registerConvert(program: Command, ctx: Ctx) {
  program
    .command('convert')
    .description('turn an oVirt OvirtHostNetwork, a HostPlumber HostNetworkTemplate or a kubernetes-nmstate NodeNetworkConfigurationPolicy into HostNetworkPolicy YAML; what cannot be expressed is listed')
    .requiredOption('--from <system>', 'ovirt | hostplumber | nncp')
    .argument('<file>', 'the source document (multi-document YAML allowed), or - for stdin')
    .option('-o, --output <format>', 'yaml|json', 'yaml')
    .addHelpText('after', examples(
      'fleetnet convert --from ovirt node1-network.yaml > node1-policy.yaml',
      'kubectl get hostnetworktemplates -o yaml | fleetnet convert --from hostplumber -',
      'kubectl get nncp -o yaml | fleetnet convert --from nncp -',
    ))
    .action((file: string, opts: { from: string; output: string }) => {
      if (!(opts.from in CONVERTERS)) throw new CliError(`--from must be ovirt, hostplumber or nncp, got "${opts.from}"`, ExitCode.invalid);
      if (!['yaml', 'json'].includes(opts.output)) throw new CliError(`convert prints yaml or json, not "${opts.output}"`, ExitCode.invalid);
      let text: string;
      try {
        text = readFileSync(file === '-' ? 0 : file, 'utf8');
      } catch (e) {
        throw new CliError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`, ExitCode.invalid);
      }
      const name = file === '-' ? '<stdin>' : file;
      const { policies, unsupported } = convertText(opts.from as ConvertFrom, text, name);
      for (const u of unsupported) ctx.err.write(`warning: ${u}\n`);
      if (!policies.length) throw new CliError(`nothing in ${name} could be converted to a policy`, ExitCode.invalid);
      if (opts.output === 'json') ctx.out.write(JSON.stringify({ policies, unsupported }, null, 2) + '\n');
      else ctx.out.write(renderConverted(policies, unsupported, `converted by fleetnet from ${opts.from} ${name}`));
    });
}
