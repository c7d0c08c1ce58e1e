import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { FleetEvent } from '@fleetnet/contracts';

/**
 * Reports the agent could not publish yet (NATS away). Kept on disk in order, and republished with
 * the same event ids when the connection returns, so JetStream's duplicate window drops any that
 * did arrive before the connection broke. Nothing is lost across an agent restart either.
 */
export class Outbox {
  private items: { subject: string; event: FleetEvent }[] = [];

  constructor(private readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
    if (existsSync(file)) {
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        try {
          this.items.push(JSON.parse(line));
        } catch {
          // a torn last line from a crash mid-append: the event before it is whole, this one never was sent
        }
      }
    }
  }

  get size() {
    return this.items.length;
  }

  push(subject: string, event: FleetEvent) {
    this.items.push({ subject, event });
    appendFileSync(this.file, `${JSON.stringify({ subject, event })}\n`);
  }

  /** Publishes in order; stops at the first failure and keeps the rest for the next flush. */
  async flush(publish: (subject: string, event: FleetEvent) => Promise<void>): Promise<number> {
    let sent = 0;
    while (this.items.length) {
      const head = this.items[0]!;
      await publish(head.subject, head.event);
      this.items.shift();
      sent++;
      this.persist();
    }
    return sent;
  }

  private persist() {
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, this.items.map((i) => `${JSON.stringify(i)}\n`).join(''));
    renameSync(tmp, this.file);
  }
}
