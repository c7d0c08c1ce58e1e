import type { Command } from 'commander';
import type { ApiResponse } from '@fleetnet/contracts';
import { withClient } from '../client.ts';
import { examples, globals, type Ctx } from '../context.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { phaseColor, type Colors } from '../output/color.ts';
import { parseFormat, renderData } from '../output/format.ts';
import { renderTable } from '../output/table.ts';
import { age } from '../output/time.ts';
import { labelsText } from '../output/views.ts';
import { renderPool } from '../output/pools.ts';

const value = (v: unknown) => (v === undefined || v === null ? '<none>' : typeof v === 'object' ? JSON.stringify(v) : String(v));

/** The host page: like oVirt's network attachment report, per property EXPECTED / ACTUAL / IN SYNC. */
export function renderHost({ host: h, events }: ApiResponse<'hosts.get'>, c: Colors, now = Date.now()): string {
  const phase = phaseColor(h.phase);
  const lines: string[] = [
    `Name:             ${h.name}`,
    `Labels:           ${labelsText(h.labels)}`,
    `Agent:            ${h.agentVersion ?? '<none>'}`,
    `Registered:       ${h.registeredAt ?? '<never>'} (${age(h.registeredAt, now)} ago)`,
    `Last seen:        ${h.lastSeen ?? '<never>'} (${age(h.lastSeen, now)} ago)`,
    `Reachable:        ${h.reachable ? 'yes' : c.paint('red', 'no')}`,
    `Desired version:  ${h.desiredVersion}`,
    `Applied version:  ${h.appliedVersion}`,
    `Reported version: ${h.reportedVersion}`,
    `Phase:            ${phase ? c.paint(phase, h.phase) : h.phase}`,
    `In sync:          ${h.inSync === null ? 'unknown' : h.inSync ? c.paint('green', 'yes') : c.paint('red', 'no')}`,
    `Policies:         ${h.sources.map((s) => `${s.policy} (revision ${s.revision})`).join(', ') || '<none>'}`,
  ];
  if (h.retired) lines.push('Retired:          yes');
  if (h.facts) {
    lines.push('Facts:');
    lines.push(`  Kernel:         ${h.facts.kernel.release} (${Object.entries(h.facts.kernel.capabilities).filter(([, v]) => v).map(([k]) => k).join(', ') || 'no optional link types'})`);
    if (h.facts.nics.length) {
      lines.push('  NICs:');
      lines.push(...renderTable(
        ['NAME', 'MAC', 'DRIVER', 'PCI', 'VENDOR:DEVICE', 'VFS'],
        h.facts.nics.map((n) => [
          n.name, n.mac ?? '', n.driver ?? '', n.pciAddress ?? '',
          n.vendorId ? `${n.vendorId}:${n.deviceId ?? ''}` : '',
          n.sriovTotalVfs !== undefined ? `${n.sriovNumVfs ?? 0}/${n.sriovTotalVfs}` : '',
        ]),
      ).trimEnd().split('\n').map((l) => `    ${l}`));
    }
  }
  lines.push('Properties:');
  if (h.results.length) {
    lines.push(...renderTable(
      ['PROPERTY', 'PATH', 'EXPECTED', 'ACTUAL', 'IN SYNC'],
      h.results.map((r) => [r.property, r.path, value(r.expected), value(r.actual), r.inSync ? c.paint('green', 'true') : c.paint('red', 'false')]),
    ).trimEnd().split('\n').map((l) => `  ${l}`));
  } else lines.push('  <none reported>');
  lines.push('Conditions:');
  if (h.conditions.length) {
    lines.push(...renderTable(
      ['TYPE', 'STATUS', 'REASON', 'SINCE', 'MESSAGE'],
      h.conditions.map((x) => [x.type, x.status, x.reason, age(x.since, now), x.message]),
    ).trimEnd().split('\n').map((l) => `  ${l}`));
  } else lines.push('  <none>');
  if (h.lastError) {
    lines.push('Last error:');
    lines.push(`  ${c.paint('red', h.lastError.message)}`);
    if (h.lastError.probe) lines.push(`  probe:     ${h.lastError.probe}`);
    if (h.lastError.command) lines.push(`  command:   ${h.lastError.command}`);
    if (h.lastError.operation) lines.push(`  operation: ${h.lastError.operation}`);
    if (h.lastError.stderr) lines.push(`  stderr:    ${h.lastError.stderr.trim()}`);
  } else lines.push('Last error:       <none>');
  lines.push('Events:');
  const last = events.slice(-10);
  if (last.length) {
    lines.push(...renderTable(['AGE', 'TYPE', 'SUMMARY'], last.map((e) => [age(e.time, now), e.type, e.summary]))
      .trimEnd().split('\n').map((l) => `  ${l}`));
  } else lines.push('  <none>');
  return lines.join('\n') + '\n';
}

export function registerDescribe(program: Command, ctx: Ctx) {
  program
    .command('describe')
    .description('everything about one host (labels, facts, versions, policies, per-property sync, conditions, last error, events) or one address pool')
    .argument('<resource>', 'host | pool')
    .argument('<name>', 'host or pool name')
    .option('-o, --output <format>', 'table|json|yaml (json/yaml: the hosts.get reply)', 'table')
    .addHelpText('after', examples('fleetnet describe host node1', 'fleetnet describe host node1 -o yaml', 'fleetnet describe pool lab'))
    .action(async (resource: string, name: string, opts: { output: string }, cmd: Command) => {
      const format = parseFormat(opts.output);
      if (['pool', 'pools'].includes(resource)) {
        const res = await withClient(globals(cmd), (c) => c.request('pools.get', { name }));
        ctx.out.write(format === 'json' || format === 'yaml' ? renderData(format, res) : renderPool(res.pool, ctx.colors));
        return;
      }
      if (!['host', 'hosts'].includes(resource)) throw new CliError(`cannot describe "${resource}": use describe host NAME or describe pool NAME`, ExitCode.invalid);
      const res = await withClient(globals(cmd), (c) => c.request('hosts.get', { name }));
      ctx.out.write(format === 'json' || format === 'yaml' ? renderData(format, res) : renderHost(res, ctx.colors));
    });
}
