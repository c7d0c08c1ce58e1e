import type { KV } from '@nats-io/kv';
import type { Logger } from 'pino';
import type { HostView, PolicyView, PoolView, RolloutView } from '@fleetnet/contracts';
import type { Buckets } from '../streams.ts';
import type { Projection } from './state.ts';
import { servedRollout } from './rollout-view.ts';
import { poolView } from './views.ts';

const RETRY_MIN_MS = 250;
const MAX_DELAY_MS = 1000;

/**
 * Writes the views other services read (one KV key per host, policy, rollout) and the last folded
 * sequence per stream. Writes are coalesced: a host that changed ten times in a batch is written once.
 */
export class KvStore {
  private hosts = new Set<string>();
  private policies = new Set<string>();
  private pools = new Set<string>();
  private timer?: NodeJS.Timeout;
  private writing: Promise<void> = Promise.resolve();
  private retryMs = RETRY_MIN_MS;
  private delayMs: number;

  constructor(
    private readonly kv: Buckets,
    private readonly read: () => Projection,
    private readonly hostOut: (v: HostView) => HostView,
    private readonly log: Logger,
    private readonly everyMs = 200,
  ) {
    this.delayMs = everyMs;
  }

  mark(hosts: Iterable<string>, policies: Iterable<string> = [], pools: Iterable<string> = []): void {
    for (const p of pools) this.pools.add(p);
    for (const h of hosts) this.hosts.add(h);
    for (const p of policies) this.policies.add(p);
    if (!this.timer) {
      this.timer = setTimeout(() => void this.write(), this.delayMs);
      this.timer.unref();
    }
  }

  /** Writes what is pending now; resolves when it is stored. */
  write(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const hosts = this.hosts;
    const policies = this.policies;
    const pools = this.pools;
    this.hosts = new Set();
    this.policies = new Set();
    this.pools = new Set();
    this.writing = this.writing.then(() => this.put(hosts, policies, pools)).catch((e) => this.log.warn({ err: e }, 'KV write failed'));
    return this.writing;
  }

  private async put(hosts: Set<string>, policies: Set<string>, pools: Set<string>) {
    const started = Date.now();
    const s = this.read();
    const enc = (v: unknown) => JSON.stringify(v);
    const jobs: Promise<unknown>[] = [];
    const failed = { hosts: [] as string[], policies: [] as string[] };
    let firstError: unknown;
    // A failed write (a timeout while the server is busy) is retried: the key is marked again,
    // otherwise its KV value would stay stale until that host or policy happened to change again.
    // A view that cannot be encoded at all is left out (trying again would fail the same way), and
    // never takes the rest of the batch with it.
    const put = (kv: KV, key: string, v: HostView | PolicyView | RolloutView | PoolView | undefined, retry: string[], kind: string) => {
      let text: string | undefined;
      try {
        text = v && enc(v);
      } catch (e) {
        this.log.error({ err: e, kind, key }, `the ${kind} view of "${key}" cannot be encoded; not written`);
        return;
      }
      jobs.push((text !== undefined ? kv.put(key, text) : kv.delete(key)).catch((e: unknown) => {
        firstError ??= e;
        retry.push(key);
      }));
    };
    for (const h of hosts) {
      const v = s.views.hosts[h];
      put(this.kv.hosts, h, v && this.hostOut(v), failed.hosts, 'host');
      if (jobs.length >= 256) await Promise.all(jobs.splice(0));
    }
    for (const p of policies) {
      put(this.kv.policies, p, s.views.policies[p], failed.policies, 'policy');
      const r = s.views.rollouts[p];
      // the served form: a rollout over thousands of hosts must still fit in one message
      put(this.kv.rollouts, p, r && servedRollout(r), failed.policies, 'rollout');
    }
    for (const p of pools) {
      const pool = s.pools[p];
      put(this.kv.pools, p, pool && !pool.deleted ? poolView(s, pool) : undefined, [], 'pool');
    }
    jobs.push(this.kv.meta.put('seq', enc(s.seq)).catch((e: unknown) => (firstError ??= e)));
    await Promise.all(jobs);
    // Writes never take more than about half the time: when a batch took longer than the
    // interval (thousands of hosts changing at once), the next one waits as long, so a host that
    // changes several times meanwhile is written once.
    this.delayMs = Math.min(MAX_DELAY_MS, Math.max(this.everyMs, Date.now() - started));
    if (firstError !== undefined) {
      this.log.warn({ err: firstError, hosts: failed.hosts.length, policies: failed.policies.length, retryInMs: this.retryMs }, 'KV write failed; will retry');
      const retry = { hosts: [...failed.hosts], policies: [...new Set(failed.policies)] };
      const wait = this.retryMs;
      this.retryMs = Math.min(5000, this.retryMs * 2);
      setTimeout(() => this.mark(retry.hosts, retry.policies), wait).unref();
    } else this.retryMs = RETRY_MIN_MS;
  }
}
