import type { Client } from './client.ts';
import { CliError, ExitCode } from './exit-codes.ts';
import type { LoadedPolicy } from './load.ts';

/** Room in a message for the headers (Nats-Msg-Id) next to the payload. */
const HEADER_ROOM = 512;

/**
 * Every document against the server's max_payload before anything is published: a policy that
 * passes local validation but is too big for one message would otherwise fail at publish, after
 * the files read before it were already published.
 */
export function checkPayloads(c: Pick<Client, 'nc' | 'server'>, docs: { loaded: LoadedPolicy; bytes: number }[], what: string): void {
  const max = c.nc.info?.max_payload;
  if (!max) return;
  const limit = max - HEADER_ROOM;
  const lines = docs
    .filter((d) => d.bytes > limit)
    .map((d) => `${d.loaded.file}: document ${d.loaded.document + 1}: policy "${d.loaded.policy.metadata.name}" is ${d.bytes} bytes as ${what}, more than the ${limit} bytes that fit in one message (max_payload ${max} of ${c.server})`);
  if (lines.length) {
    throw new CliError(`${lines.length} polic${lines.length === 1 ? 'y is' : 'ies are'} too big for the server; nothing was published`, ExitCode.invalid, [], lines);
  }
}
