import { JetStreamApiError } from '@nats-io/jetstream';
import {
  encodeEvent, EventTypes, makeEvent, Streams, subjects,
  type DesiredPublishedData, type FleetEvent, type PolicySource,
} from '@fleetnet/contracts';
import type { Bus } from './bus.ts';
import { sameSources } from './compile.ts';
import { decode } from './projection/decode.ts';

/** The newest version on a host's desired subject, and the stream sequence that holds it. */
export interface DesiredHead {
  version: number;
  seq: number;
  contentHash: string;
  sources: PolicySource[];
}

export type DesiredContent = Omit<DesiredPublishedData, 'host' | 'version'>;

const WRONG_LAST_SEQUENCE = 10071;

/** A new version is due only when what the agent acts on, or the policy revisions behind it, changed. */
export const needsPublish = (head: DesiredHead | undefined, want: DesiredContent) =>
  !head || head.contentHash !== want.contentHash || !sameSources(head.sources, want.sources);

/** The newest record on a host's desired subject is not a desired event for that host. */
export class UnreadableHead extends Error {
  constructor(readonly host: string, readonly seq: number, reason: string) {
    super(`${Streams.desired} seq ${seq} (${subjects.desired(host)}) is not a desired event: ${reason}`);
  }
}

/**
 * Reads the head from the stream itself (not our projection), after another writer got there first.
 * A record that is not a desired event for this host is thrown as UnreadableHead: which version it
 * sits on is known once the projection has folded the stream up to it.
 */
export async function readHead(bus: Bus, host: string): Promise<DesiredHead | undefined> {
  const m = await bus.jsm.streams.getMessage(Streams.desired, { last_by_subj: subjects.desired(host) }).catch(() => null);
  if (!m) return undefined;
  const p = decode({ stream: 'desired', seq: m.seq, subject: m.subject, data: m.data });
  if (!p.ok) throw new UnreadableHead(host, m.seq, p.reason);
  const d = (p.event as FleetEvent<typeof EventTypes.desiredPublished>).data;
  return { version: d.version, seq: m.seq, contentHash: d.contentHash, sources: d.sources };
}

export interface Published {
  version: number;
  seq: number;
}

/**
 * Publishes version N+1 with `expect.lastSubjectSequence` = the sequence of version N, so two
 * controllers can never both write N+1: the loser re-reads the subject and either finds its
 * content already there (nothing to do) or retries on top of the winner's version.
 */
export async function publishDesired(
  bus: Bus, source: string, host: string, want: DesiredContent, head: DesiredHead | undefined,
): Promise<Published | undefined> {
  const known = head;
  for (let attempt = 0; attempt < 8; attempt++) {
    if (!needsPublish(head, want)) return undefined;
    const version = (head?.version ?? 0) + 1;
    const subject = subjects.desired(host);
    const ev = makeEvent(EventTypes.desiredPublished, source, subject, { host, version, ...want });
    try {
      const ack = await bus.js.publish(subject, encodeEvent(ev), {
        msgID: ev.id,
        expect: { lastSubjectSequence: head?.seq ?? 0 },
      });
      return { version, seq: ack.seq };
    } catch (e) {
      if (!(e instanceof JetStreamApiError) || e.code !== WRONG_LAST_SEQUENCE) throw e;
      head = await readHead(bus, host);
      // An older version stored again on top (a replay) must not be counted on: N+1 would be a duplicate.
      if (head && known && head.seq > known.seq && head.version <= known.version) {
        throw new UnreadableHead(host, head.seq, `version ${head.version} stored again after version ${known.version}`);
      }
    }
  }
  throw new Error(`desired for ${host}: gave up after 8 sequence conflicts`);
}
