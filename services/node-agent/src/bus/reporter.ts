import type { JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { FleetEvent, NetworkState, SyncReportedData } from '@fleetnet/contracts';
import { canonicalJson, encodeEvent, EventTypes, makeEvent, parseEvent, subjects } from '@fleetnet/contracts';
import type { Logger } from '../log.ts';
import type { Outbox } from './outbox.ts';
import { summarize } from './summarize.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ReporterOptions {
  host: string;
  outbox: Outbox;
  log: Logger;
  /** the JetStream client while connected, else undefined */
  jetstream(): JetStreamClient | undefined;
  /** the connection for core publishes (heartbeats) while connected */
  connection(): NatsConnection | undefined;
  /** newest version that applied cleanly, carried by state reports and heartbeats */
  appliedVersion(): number | undefined;
  /** the next report counter (report-seq.ts): the controller's replay rule */
  seq(): number;
}

export interface Reporter {
  /** every JetStream report goes through the outbox: written to disk first, then published in order */
  report(subject: string, event: FleetEvent): void;
  sync(data: SyncReportedData): void;
  /** the actual state, when it differs from the last one reported */
  stateIfChanged(state: NetworkState): void;
  heartbeat(): void;
  /** publish what waits (after a reconnect, on the heartbeat) */
  kick(): void;
  /** at stop: give what waits a last chance to go out */
  drain(): Promise<void>;
  readonly queued: number;
}

/**
 * What the agent tells the fleet: hello, sync and state reports through the on-disk outbox (so that
 * NATS being away loses nothing; duplicates are dropped by event id), heartbeats over core NATS.
 */
export function createReporter(opts: ReporterOptions): Reporter {
  const { host, outbox, log } = opts;
  const source = `fleetnet-agent/${host}`;
  const startedAt = Date.now();
  let flushing: Promise<void> | undefined;
  let lastStateText: string | undefined;
  let stopping = false;

  const publishJs = async (subject: string, event: FleetEvent) => {
    const js = opts.jetstream();
    if (!js) throw new Error('not connected');
    const max = opts.connection()?.info?.max_payload;
    let body = encodeEvent(event);
    if (max && body.byteLength > max) {
      // Never retried as it is: it would block every report behind it for good.
      const small = summarize(event, max);
      if (!small) {
        log.error({ subject, id: event.id, bytes: body.byteLength, maxPayload: max }, 'report dropped: more than the bus takes (max_payload), and it cannot be summarized');
        return;
      }
      log.warn({ subject, id: event.id, bytes: body.byteLength, maxPayload: max, summarized: (small.data as { summarized?: string }).summarized }, 'report summarized to fit the bus');
      body = encodeEvent(small);
    }
    await js.publish(subject, body, { msgID: event.id, timeout: 5000 });
  };
  const kick = () => {
    if (flushing || !opts.jetstream() || !outbox.size) return;
    flushing = (async () => {
      try {
        const n = await outbox.flush(publishJs);
        if (n) log.debug({ sent: n }, 'reports published');
      } catch (e) {
        log.warn({ err: (e as Error).message, queued: outbox.size }, 'reports kept for later: publish failed');
        await sleep(1000);
      }
    })().finally(() => {
      flushing = undefined;
      if (!stopping) kick();
    });
  };
  const report = (subject: string, event: FleetEvent) => {
    // stamped once, here: the outbox republishes the same counter (the controller's replay rule)
    if (event.type === EventTypes.hello || event.type === EventTypes.stateReported || event.type === EventTypes.syncReported) event.data.seq = opts.seq();
    const check = parseEvent(encodeEvent(event));
    if (!check.ok) log.error({ subject, err: check.error.message }, 'this report does not match the contracts; the controller will refuse it');
    try {
      outbox.push(subject, event);
    } catch (e) {
      log.error({ subject, err: (e as Error).message }, 'report kept in memory only: cannot write the outbox');
    }
    kick();
  };
  return {
    report,
    kick,
    sync(data) {
      log.info({ version: data.version, phase: data.phase, inSync: data.inSync, attempt: data.attempt, error: data.error }, `sync ${data.phase}`);
      report(subjects.sync(host), makeEvent(EventTypes.syncReported, source, subjects.sync(host), data));
    },
    stateIfChanged(state) {
      const applied = opts.appliedVersion();
      const data = { host, state, ...(applied !== undefined ? { appliedVersion: applied } : {}) };
      // the state seen during an apply is re-sent once the version it belongs to is known
      const text = canonicalJson(data);
      if (text === lastStateText) return;
      lastStateText = text;
      report(subjects.state(host), makeEvent(EventTypes.stateReported, source, subjects.state(host), data));
    },
    heartbeat() {
      const nc = opts.connection();
      if (!nc) return;
      const data = { host, appliedVersion: opts.appliedVersion() ?? 0, uptimeSeconds: Math.round((Date.now() - startedAt) / 1000) };
      nc.publish(subjects.heartbeat(host), encodeEvent(makeEvent(EventTypes.heartbeat, source, subjects.heartbeat(host), data)));
    },
    async drain() {
      stopping = true;
      if (!opts.jetstream() || !outbox.size) return;
      await Promise.race([flushing, sleep(3000)]);
      if (outbox.size && opts.jetstream()) await Promise.race([outbox.flush(publishJs).catch(() => 0), sleep(3000)]);
    },
    get queued() {
      return outbox.size;
    },
  };
}
