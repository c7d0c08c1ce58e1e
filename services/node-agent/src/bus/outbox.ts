import { closeSync, fdatasyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { FleetEvent } from '@fleetnet/contracts';
import { writeFileDurably } from '../state-dir.ts';

type Entry = { subject: string; event: FleetEvent };
/** acknowledgements appended before the file is rewritten with only what still waits */
const COMPACT_AFTER = 1000;

/**
 * Reports the agent could not publish yet (NATS away). An append-only log on disk: a report is
 * appended and fsynced before it is published, a published one gets a short "sent" line (no fsync:
 * sending it again is harmless, see below), and the file is emptied when nothing waits, or rewritten
 * with what waits after many "sent" lines. Republished with the same event ids and report counters,
 * so JetStream's duplicate window and the controller's replay rule drop any that did arrive.
 */
export class Outbox {
  private items: Entry[] = [];
  private fd: number;
  private acks = 0;

  constructor(private readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
    this.items = readLog(file);
    this.fd = openSync(file, 'a', 0o600);
    try {
      // start from a clean file holding only what still waits
      this.rewrite();
    } catch {
      // a full disk: the log as it is still reads back the same
    }
  }

  get size() {
    return this.items.length;
  }

  /** Kept in memory first: when the disk refuses (full), the report still goes out; the error is thrown for the caller to log. */
  push(subject: string, event: FleetEvent) {
    this.items.push({ subject, event });
    this.append(`${JSON.stringify({ subject, event })}\n`, true);
  }

  /** Publishes in order; stops at the first failure and keeps the rest for the next flush. */
  async flush(publish: (subject: string, event: FleetEvent) => Promise<void>): Promise<number> {
    let sent = 0;
    while (this.items.length) {
      const head = this.items[0]!;
      await publish(head.subject, head.event);
      this.items.shift();
      sent++;
      this.sent(head.event.id);
    }
    return sent;
  }

  close() {
    closeSync(this.fd);
  }

  private sent(id: string) {
    try {
      if (!this.items.length) {
        ftruncateSync(this.fd, 0);
        fdatasyncSync(this.fd);
        this.acks = 0;
      } else if (++this.acks >= COMPACT_AFTER) this.rewrite();
      else this.append(`${JSON.stringify({ sent: id })}\n`, false);
    } catch {
      // a "sent" line that did not land only means the report may be sent again, which is harmless
    }
  }

  private append(line: string, sync: boolean) {
    const buf = Buffer.from(line);
    const n = writeSync(this.fd, buf);
    if (n !== buf.length) throw new Error(`${this.file}: short write (${n} of ${buf.length} bytes)`);
    if (sync) fdatasyncSync(this.fd);
  }

  private rewrite() {
    writeFileDurably(this.file, this.items.map((i) => `${JSON.stringify(i)}\n`).join(''));
    closeSync(this.fd);
    this.fd = openSync(this.file, 'a', 0o600);
    this.acks = 0;
  }
}

/** The entries of the log that were not marked sent; a torn last line (a crash mid-append) was never sent. */
function readLog(file: string): Entry[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const items: Entry[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let v: Entry | { sent: string };
    try {
      v = JSON.parse(line);
    } catch {
      continue;
    }
    if ('sent' in v) {
      const i = items.findIndex((x) => x.event.id === v.sent);
      if (i >= 0) items.splice(i, 1);
    } else if (v && typeof v.subject === 'string' && v.event) items.push(v);
  }
  return items;
}
