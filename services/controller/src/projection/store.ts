import type { KV } from '@nats-io/kv';
import type { Logger } from 'pino';
import type { HostView, PolicyView, RolloutView } from '@fleetnet/contracts';
import type { Buckets } from '../streams.ts';
import type { Projection } from './state.ts';

/**
 * Writes the views other services read (one KV key per host, policy, rollout) and the last folded
 * sequence per stream. Writes are coalesced: a host that changed ten times in a batch is written once.
 */
export class KvStore {
  private hosts = new Set<string>();
  private policies = new Set<string>();
  private timer?: NodeJS.Timeout;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly kv: Buckets,
    private readonly read: () => Projection,
    private readonly hostOut: (v: HostView) => HostView,
    private readonly log: Logger,
    private readonly everyMs = 200,
  ) {}

  mark(hosts: Iterable<string>, policies: Iterable<string> = []): void {
    for (const h of hosts) this.hosts.add(h);
    for (const p of policies) this.policies.add(p);
    if (!this.timer) {
      this.timer = setTimeout(() => void this.write(), this.everyMs);
      this.timer.unref();
    }
  }

  /** Writes what is pending now; resolves when it is stored. */
  write(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const hosts = this.hosts;
    const policies = this.policies;
    this.hosts = new Set();
    this.policies = new Set();
    this.writing = this.writing.then(() => this.put(hosts, policies)).catch((e) => this.log.warn({ err: e }, 'KV write failed'));
    return this.writing;
  }

  private async put(hosts: Set<string>, policies: Set<string>) {
    const s = this.read();
    const enc = (v: unknown) => JSON.stringify(v);
    const jobs: Promise<unknown>[] = [];
    const put = (kv: KV, key: string, v: HostView | PolicyView | RolloutView | undefined) =>
      jobs.push(v ? kv.put(key, enc(v)) : kv.delete(key).catch(() => undefined));
    for (const h of hosts) {
      const v = s.views.hosts[h];
      put(this.kv.hosts, h, v && this.hostOut(v));
      if (jobs.length >= 256) await Promise.all(jobs.splice(0));
    }
    for (const p of policies) {
      put(this.kv.policies, p, s.views.policies[p]);
      put(this.kv.rollouts, p, s.views.rollouts[p]);
    }
    jobs.push(this.kv.meta.put('seq', enc(s.seq)));
    await Promise.all(jobs);
  }
}
