import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import { subjects } from '@fleetnet/contracts';
import type { HostileEnv, Observation } from './env.ts';

/**
 * One row of the hostile-input table: send bad input through one entry point, and say what clear
 * error must come back. The harness reads the projection, the streams, the kernel (when the suite
 * has a real host) and whether the controller and agent still run, before and after, and asserts
 * that nothing changed. Adding a case is adding a row.
 */
export interface HostileCase {
  name: string;
  /** sends the bad input; returns what the entry point said (an error message, CLI stderr, ...) */
  send(env: HostileEnv): Promise<string>;
  /**
   * What must be said: a pattern over the returned text; `rejected` (with a pattern) when the
   * controller must answer with a fleetnet.intent.rejected event whose reason matches; `ignored`
   * when the entry point drops it without a word and only "nothing changed" is asserted (reports
   * from a forged host: issue 13 item 10b will add a rejection record for those).
   */
  expect: RegExp | { rejected: RegExp } | 'ignored';
  /** observations this case may legitimately change (e.g. `streams` for a report stored before it is refused) */
  mayChange?: (keyof Observation)[];
}

const describeDiff = (before: unknown, after: unknown) => `before: ${JSON.stringify(before).slice(0, 1500)}\nafter:  ${JSON.stringify(after).slice(0, 1500)}`;

/** Registers one test per row on `t`; `env()` gives the environment set up in `t.before`. */
export function hostileCases(t: Test, env: () => HostileEnv, cases: HostileCase[]): void {
  const names = new Set<string>();
  for (const c of cases) {
    if (names.has(c.name)) throw new Error(`two hostile cases are named "${c.name}"`);
    names.add(c.name);
    t(c.name, async () => {
      const e = env();
      e.touched.clear();
      e.rejections.length = 0;
      const before = await e.observe();
      const said = await c.send(e);
      if (typeof c.expect === 'object' && 'rejected' in c.expect) {
        const want = c.expect.rejected;
        e.touched.add(subjects.intentRejected);
        const deadline = Date.now() + 10_000;
        while (!e.rejections.some((r) => want.test(r.reason)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
        assert.ok(e.rejections.some((r) => want.test(r.reason)), `a rejection matching ${want}; seen: ${JSON.stringify(e.rejections)}; sent: ${said.slice(0, 300)}`);
      } else if (c.expect instanceof RegExp) {
        assert.match(said, c.expect, `the error says what is wrong: ${said.slice(0, 500)}`);
      }
      await e.settle();
      const after = await e.observe();
      // what the case itself wrote is stored by the stream as any message is: only the rest must stay
      for (const o of [before, after]) for (const s of e.touched) delete o.streams[s];
      for (const k of Object.keys(before) as (keyof Observation)[]) {
        if (c.mayChange?.includes(k)) continue;
        assert.equal(after[k], before[k], `${k} changed\n${describeDiff(before[k], after[k])}`);
      }
    });
  }
}
