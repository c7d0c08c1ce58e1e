import type { ApiRequest, ApiResponse } from '@fleetnet/contracts';
import type { Client } from './client.ts';
import { CliError, ExitCode } from './exit-codes.ts';

export type ListMethod = 'hosts.list' | 'policies.list' | 'rollouts.list';
/** a list request without its paging fields, which listAll fills in */
export type ListBody<M extends ListMethod> = Omit<ApiRequest<M>, 'limit' | 'continue'>;

/** kubectl's default --chunk-size */
export const DEFAULT_CHUNK = 500;
const MAX_CHUNK = 10_000;

export interface Listed<M extends ListMethod> {
  items: ApiResponse<M>['items'];
  /** items matching over all pages, as the controller counted them on the last page read */
  total: number;
  /** true when --limit stopped the listing before the end */
  cut: boolean;
}

/** A positive whole number flag (`--chunk-size`, `--limit`), or exit 2 naming the flag. */
export function countFlag(flag: string, value: string | undefined, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1 || n > max) {
    throw new CliError(`invalid ${flag} "${value}": a whole number from 1 to ${max}`, ExitCode.invalid);
  }
  return n;
}

export const chunkFlag = (value: string | undefined) => countFlag('--chunk-size', value, MAX_CHUNK) ?? DEFAULT_CHUNK;

/**
 * Every item of a list API, a page at a time (`continue` tokens), so nothing is cut without a word:
 * only `limit` stops early, and the caller says so.
 */
export async function listAll<M extends ListMethod>(
  c: Client, method: M, body: ListBody<M>, opts: { chunk?: number; limit?: number } = {},
): Promise<Listed<M>> {
  const chunk = opts.chunk ?? DEFAULT_CHUNK;
  const items: ApiResponse<M>['items'][number][] = [];
  let token: string | undefined;
  let total = 0;
  for (;;) {
    const want = opts.limit === undefined ? chunk : Math.min(chunk, opts.limit - items.length);
    const page = (await c.request(method, { ...body, limit: want, ...(token ? { continue: token } : {}) } as ApiRequest<M>)) as ApiResponse<M>;
    items.push(...(page.items as ApiResponse<M>['items'][number][]));
    total = page.total;
    token = page.continue;
    if (!token) return { items: items as ApiResponse<M>['items'], total, cut: false };
    if (opts.limit !== undefined && items.length >= opts.limit) return { items: items as ApiResponse<M>['items'], total, cut: true };
    // A controller that answers with an empty page and a token would loop forever.
    if (!page.items.length) throw new CliError(`${method}: the controller sent an empty page with a continue token`, ExitCode.failed);
  }
}
