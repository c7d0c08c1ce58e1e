import type { Logger } from 'pino';
import type { Bus } from './bus.ts';
import type { ControllerOptions } from './config.ts';
import { AllocationRace, planAllocations, writeAllocations, writeRelease } from './pools.ts';
import type { ProjectionService } from './projection/service.ts';
import { isRetired, type Projection } from './projection/state.ts';

const ATTEMPTS = 8;

/**
 * Keeps pool allocations in step with the hosts that need them: allocates before a host is compiled
 * (so `{{ pools.NAME.ip }}` renders), gives a retired host's addresses back at once, and a deselected
 * host's after the grace period. Every write goes through the pool's subject guard (pools.ts).
 */
export class PoolKeeper {
  /** `${pool}/${host}` → when this controller first saw the host no longer needing that pool */
  private readonly unusedSince = new Map<string, number>();

  constructor(
    private readonly bus: Bus,
    private readonly opts: ControllerOptions,
    private readonly log: Logger,
    private readonly projection: ProjectionService,
  ) {}

  /** Allocates for these hosts what their policies need; returns when the allocations are folded. */
  async ensure(hosts: Iterable<string>): Promise<void> {
    const need = new Map<string, string[]>();
    const retired = new Map<string, string[]>();
    const s = this.projection.state;
    for (const h of hosts) {
      const host = s.hosts[h];
      if (!host) continue;
      if (isRetired(host)) {
        for (const p of Object.values(s.pools)) if (p.allocations[h]) retired.set(p.name, [...(retired.get(p.name) ?? []), h]);
        continue;
      }
      if (host.registeredAt === undefined) continue;
      const uses = s.views.compile[h]?.pools ?? [];
      for (const p of uses) if (s.pools[p] && !s.pools[p]!.allocations[h]) need.set(p, [...(need.get(p) ?? []), h]);
      this.noteUnused(s, h, uses);
    }
    for (const [pool, hs] of retired) await this.guarded(pool, (p) => writeRelease(this.bus, this.opts.name, p, hs.filter((h) => p.allocations[h]), 'host retired'));
    for (const [pool, hs] of need) {
      await this.guarded(pool, async (p) => {
        const plan = planAllocations(p, hs);
        if (plan.exhausted.length) this.log.warn({ pool, hosts: plan.exhausted.slice(0, 20), count: plan.exhausted.length }, 'pool exhausted: hosts left without an address');
        if (!plan.allocations.length) return 0;
        const seq = await writeAllocations(this.bus, this.opts.name, p, plan.allocations);
        this.log.info({ pool, count: plan.allocations.length }, 'addresses allocated');
        return seq;
      });
    }
  }

  private noteUnused(s: Projection, host: string, uses: readonly string[]) {
    for (const p of Object.values(s.pools)) {
      const key = `${p.name}/${host}`;
      if (p.allocations[host] && !uses.includes(p.name)) {
        if (!this.unusedSince.has(key)) this.unusedSince.set(key, Date.now());
      } else this.unusedSince.delete(key);
    }
  }

  /** Gives back addresses of hosts that have not needed them for the grace period (checked again now). */
  async releaseIdle(): Promise<void> {
    const s = this.projection.state;
    const due = new Map<string, string[]>();
    const graceMs = this.opts.poolGraceSeconds * 1000;
    for (const [key, since] of this.unusedSince) {
      if (Date.now() - since < graceMs) continue;
      const [pool, host] = key.split('/') as [string, string];
      this.unusedSince.delete(key);
      if (!s.pools[pool]?.allocations[host] || (s.views.compile[host]?.pools ?? []).includes(pool)) continue;
      due.set(pool, [...(due.get(pool) ?? []), host]);
    }
    for (const [pool, hs] of due) {
      await this.guarded(pool, (p) => writeRelease(this.bus, this.opts.name, p, hs.filter((h) => p.allocations[h]), `no policy using the pool selected the host for ${this.opts.poolGraceSeconds} s`));
      this.log.info({ pool, hosts: hs.slice(0, 20), count: hs.length }, 'addresses released after the grace period');
    }
  }

  /** Runs one write against the pool as folded; on a race, folds up to the winner's record and decides again. */
  private async guarded(pool: string, write: (p: Projection['pools'][string]) => Promise<number>): Promise<void> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const p = this.projection.state.pools[pool];
      if (!p || p.deleted) return;
      try {
        const seq = await write(p);
        if (seq) await this.projection.waitFolded('intent', seq);
        return;
      } catch (e) {
        if (!(e instanceof AllocationRace)) throw e;
        await this.projection.waitFolded('intent', e.seq);
      }
    }
    throw new Error(`pool ${pool}: gave up after ${ATTEMPTS} races with other writers`);
  }
}
