import type { Logger } from '../log.ts';
import type { StateDir } from '../state-dir.ts';

export const REPORT_SEQ_FILE = 'report-seq.json';
/** counters handed out per durable write: a restart skips what was left of the block (gaps are fine) */
const BLOCK = 1000;

/**
 * The per-host report counter the replay rule needs (README, "the replay rule"): every hello, state
 * and sync report carries the next number, and the controller counts a report only when its number
 * is above the last one it folded for this host. Kept across restarts by reserving blocks on disk
 * (fsynced) before any number of the block is used, so a restart never reuses a number.
 */
export function openReportSeq(dir: StateDir, log: Logger): { next(): number } {
  let reserved = 0;
  try {
    reserved = dir.readJson<{ reserved?: unknown }>(REPORT_SEQ_FILE)?.reserved as number ?? 0;
    if (!Number.isSafeInteger(reserved) || reserved < 0) throw new Error(`${dir.file(REPORT_SEQ_FILE)}: "reserved" is not a counter`);
  } catch (e) {
    // Lost: numbers from the clock (microseconds) are above any the agent handed out before, unless
    // the clock went back; the controller then ignores reports until the counter passes the old one.
    reserved = Date.now() * 1000;
    log.error({ err: (e as Error).message, from: reserved }, 'report counter unreadable; starting again from the clock');
  }
  let next = reserved;
  const reserve = () => {
    reserved = next + BLOCK;
    try {
      dir.writeJson(REPORT_SEQ_FILE, { reserved });
    } catch (e) {
      // Reports still go out (a full disk must not silence the host); after a restart the numbers of
      // this block may come again, and the controller ignores those until the counter passes them.
      log.error({ err: (e as Error).message }, 'cannot keep the report counter on disk');
    }
  };
  return {
    next() {
      if (next + 1 > reserved) reserve();
      return ++next;
    },
  };
}
