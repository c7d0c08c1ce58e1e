import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import {
  encodeEvent, EventTypes, makeEvent, parseEvent, subjects,
  type DesiredPublishedData, type Labels, type NetworkState, type PropertyResult, type SyncPhase,
} from '@fleetnet/contracts';

/** What a played agent answers for a desired version: a final phase, or nothing at all. */
export type Behaviour = (d: DesiredPublishedData) => SyncPhase | 'silent';

/**
 * Agents played by test code over real NATS: hello + actual state on start, heartbeats, and a sync
 * report for every desired version addressed to them (read from their own desired subject).
 */
export class TestAgents {
  private timers: NodeJS.Timeout[] = [];
  private constructor(readonly nc: NatsConnection, readonly js: JetStreamClient) {}

  static async connect(url: string) {
    const nc = await connect({ servers: url });
    return new TestAgents(nc, jetstream(nc));
  }

  async start(host: string, labels: Labels, behaviour: Behaviour, actual: NetworkState = { interfaces: [{ name: 'eth0', type: 'ethernet', state: 'up', mtu: 1500 }] }) {
    const hello = makeEvent(EventTypes.hello, `agent/${host}`, subjects.hello(host), {
      host, agentVersion: 'cli-test', labels,
      facts: {
        nics: [{ name: 'eth0', mac: '52:54:00:00:00:01', driver: 'virtio_net', pciAddress: '0000:00:03.0', vendorId: '1af4', deviceId: '1000' }],
        kernel: { release: '6.1.0-test', capabilities: { bond: false, vlan: false, dummy: false, macvlan: true, vxlan: true, ovs: true } },
      },
    });
    this.nc.subscribe(subjects.desired(host), {
      callback: (_e, m) => {
        const p = parseEvent(m.data, [EventTypes.desiredPublished]);
        if (!p.ok) return;
        const d = p.event.data as DesiredPublishedData;
        const phase = behaviour(d);
        if (phase === 'silent') return;
        setTimeout(() => void this.sync(d, phase).catch(() => undefined), 50);
      },
    });
    await this.nc.flush();
    await this.js.publish(subjects.hello(host), encodeEvent(hello), { msgID: hello.id });
    const state = makeEvent(EventTypes.stateReported, `agent/${host}`, subjects.state(host), { host, state: actual });
    await this.js.publish(subjects.state(host), encodeEvent(state), { msgID: state.id });
    const beat = () => {
      const hb = makeEvent(EventTypes.heartbeat, `agent/${host}`, subjects.heartbeat(host), { host });
      this.nc.publish(subjects.heartbeat(host), encodeEvent(hb));
    };
    beat();
    this.timers.push(setInterval(beat, 1000));
  }

  private async sync(d: DesiredPublishedData, phase: SyncPhase) {
    // Per-property results as a real agent reports them: every MTU the desired state names.
    const results: PropertyResult[] = (d.state.interfaces ?? [])
      .filter((i) => i.mtu !== undefined)
      .map((i) => ({ path: `interfaces[${i.name}].mtu`, property: 'mtu', expected: i.mtu, actual: phase === 'Applied' ? i.mtu : 1500, inSync: phase === 'Applied' }));
    const ev = makeEvent(EventTypes.syncReported, `agent/${d.host}`, subjects.sync(d.host), {
      host: d.host, version: d.version, phase, inSync: phase === 'Applied', results,
      ...(phase === 'Applied' ? {} : { error: { message: `probe gateway failed on ${d.host}`, probe: 'ping 192.0.2.1' } }),
    });
    await this.js.publish(subjects.sync(d.host), encodeEvent(ev), { msgID: ev.id });
  }

  async close() {
    for (const t of this.timers) clearInterval(t);
    await this.nc.drain().catch(() => undefined);
  }
}
