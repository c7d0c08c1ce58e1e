import type { Test } from 'uvu';

/**
 * Registers `fn` as a test, or, when `reason` says why it cannot run here, as a skipped test whose
 * reason is printed. uvu counts it as skipped; the runner collects the `SKIP:` lines.
 */
export function testUnless(t: Test, reason: string | undefined, name: string, fn: Parameters<Test>[1]): void {
  if (reason) {
    console.log(`SKIP: ${name}: ${reason}`);
    t.skip(name, fn);
  } else t(name, fn);
}
