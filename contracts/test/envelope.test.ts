import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventTypes, encodeEvent, makeEvent, parseEvent, type EventDataMap, type EventType } from '../src/index.ts';

const STATE = { interfaces: [{ name: 'eth0', type: 'ethernet' as const, state: 'up' as const, mtu: 1500 }] };

/** One valid data object per event type; the mapped type makes a missing event type a compile error. */
const SAMPLES: { [K in EventType]: EventDataMap[K] } = {
  [EventTypes.policyUpserted]: {
    policy: { apiVersion: 'fleetnet.io/v1', kind: 'HostNetworkPolicy', metadata: { name: 'base', labels: { team: 'net' } }, spec: { desiredState: STATE, rollout: { maxUnavailable: '25%' } } },
  },
  [EventTypes.policyDeleted]: { name: 'base' },
  [EventTypes.hostLabeled]: { host: 'web-1', set: { rack: 'r1', 'example.com/role': 'web' }, remove: ['old'] },
  [EventTypes.hostRollbackRequested]: { host: 'web-1', toVersion: 3 },
  [EventTypes.hostRetired]: { host: 'web-1' },
  [EventTypes.rolloutPaused]: { policy: 'base' },
  [EventTypes.rolloutResumed]: { policy: 'base' },
  [EventTypes.rolloutHostTimedOut]: { policy: 'base', revision: 2, host: 'web-1', version: 4, afterSeconds: 120 },
  [EventTypes.rolloutRecaptureRequested]: { policy: 'base', host: 'web-1' },
  [EventTypes.poolUpserted]: { pool: { apiVersion: 'fleetnet.io/v1alpha1', kind: 'AddressPool', metadata: { name: 'lab' }, spec: { cidr: '10.0.0.0/24', gateway: '10.0.0.1' } } },
  [EventTypes.poolDeleted]: { name: 'lab' },
  [EventTypes.poolAllocated]: { pool: 'lab', allocations: [{ host: 'web-1', address: '10.0.0.2' }] },
  [EventTypes.poolReleased]: { pool: 'lab', hosts: ['web-1'], reason: 'host retired' },
  [EventTypes.intentRejected]: { eventId: 'e9', subject: 'fleetnet.intent.policy.base', reason: 'invalid policy', errors: [{ path: 'spec', message: 'is required' }] },
  [EventTypes.desiredPublished]: { host: 'web-1', version: 4, state: STATE, contentHash: 'sha256:00', sources: [{ policy: 'base', revision: 2 }], enforce: true, reason: 'policy' },
  [EventTypes.hello]: {
    host: 'web-1', agentVersion: '0.1.0', labels: { rack: 'r1' }, appliedVersion: 3,
    facts: {
      nics: [{ name: 'ens1f0', mac: '02:00:00:00:00:01', driver: 'ixgbe', pciAddress: '0000:03:00.0', vendorId: '8086', deviceId: '10fb', sriovTotalVfs: 63, sriovNumVfs: 0 }],
      kernel: { release: '6.8.0', capabilities: { bond: false, vlan: false, dummy: false, macvlan: true, vxlan: true, ovs: true } },
    },
  },
  [EventTypes.stateReported]: { host: 'web-1', state: STATE, appliedVersion: 4 },
  [EventTypes.syncReported]: {
    host: 'web-1', version: 4, phase: 'Applied', inSync: true, attempt: 1, operations: ['ip link set eth0 mtu 1500'],
    results: [{ path: 'interfaces[eth0].mtu', property: 'mtu', expected: 1500, actual: 1500, inSync: true }],
    timings: { readMs: 1, planMs: 1, applyMs: 5, verifyMs: 1, probeMs: 10, totalMs: 18 },
  },
  [EventTypes.heartbeat]: { host: 'web-1', appliedVersion: 4, uptimeSeconds: 12.5 },
};

test('every event type has a sample (the samples cover EventTypes exactly)', () => {
  assert.equal(Object.keys(SAMPLES).sort(), Object.values(EventTypes).sort());
});

test('makeEvent -> encodeEvent -> parseEvent gives back the same event, for every type', () => {
  for (const type of Object.values(EventTypes)) {
    const event = makeEvent(type, 'fleetnet-test', 'fleetnet.test.subject', SAMPLES[type] as never);
    const parsed = parseEvent(encodeEvent(event));
    if (!parsed.ok) return assert.unreachable(`${type}: ${parsed.error.message}`);
    assert.equal(parsed.event, event, type);
    assert.is(parsed.event.specversion, '1.0');
    assert.is(parsed.event.type, type);
    // the same through the string form, and restricted to the type it is
    assert.ok(parseEvent(JSON.stringify(event), [type]).ok, type);
  }
});

test('makeEvent: a fresh id each time, the given id and time when passed', () => {
  const a = makeEvent(EventTypes.heartbeat, 's', 'x', { host: 'h' });
  const b = makeEvent(EventTypes.heartbeat, 's', 'x', { host: 'h' });
  assert.is.not(a.id, b.id);
  const c = makeEvent(EventTypes.heartbeat, 's', 'x', { host: 'h' }, { id: 'fixed', time: new Date('2024-05-01T12:00:00Z') });
  assert.is(c.id, 'fixed');
  assert.is(c.time, '2024-05-01T12:00:00.000Z');
  assert.ok(parseEvent(encodeEvent(c)).ok);
});

test('truncated at every length, an encoded event is refused and never half-parsed', () => {
  const bytes = encodeEvent(makeEvent(EventTypes.desiredPublished, 'controller', 'fleetnet.desired.web-1', SAMPLES[EventTypes.desiredPublished]));
  for (let n = 0; n < bytes.length; n++) {
    const r = parseEvent(bytes.subarray(0, n));
    assert.not.ok(r.ok, `accepted a prefix of ${n} of ${bytes.length} bytes`);
  }
});

test('forged events are refused: data of another type, a valid type with a forged field, a wrong envelope', () => {
  const event = makeEvent(EventTypes.syncReported, 'agent', 'fleetnet.sync.web-1', SAMPLES[EventTypes.syncReported]);
  const wire = JSON.parse(JSON.stringify(event));
  const refusedWith = (raw: unknown, message: string) => {
    const r = parseEvent(JSON.stringify(raw));
    if (r.ok) return assert.unreachable(`accepted: ${JSON.stringify(raw).slice(0, 120)}`);
    assert.is(r.error.message, message);
  };
  const beat = JSON.parse(JSON.stringify(makeEvent(EventTypes.heartbeat, 'agent', 'fleetnet.heartbeat.web-1', SAMPLES[EventTypes.heartbeat])));
  refusedWith({ ...beat, type: EventTypes.hostRetired }, 'invalid data for fleetnet.host.retired.v1: data.appliedVersion: unknown field "appliedVersion"; data.uptimeSeconds: unknown field "uptimeSeconds"');
  refusedWith({ ...wire, data: { ...wire.data, phase: 'Done' } }, 'invalid data for fleetnet.sync.reported.v1: data.phase: must be one of Pending, Applying, Applied, RolledBack, Failed, Drifted; got the string "Done"');
  refusedWith({ ...wire, data: { ...wire.data, host: 'web-1.evil' } }, 'invalid data for fleetnet.sync.reported.v1: data.host: "web-1.evil" contains a dot; only letters, digits, "-" and "_" are allowed');
  refusedWith({ ...wire, data: { ...wire.data, version: 0 } }, 'invalid data for fleetnet.sync.reported.v1: data.version: must be at least 1, got 0');
  refusedWith({ ...wire, id: '' }, 'not a CloudEvents 1.0 envelope: id: must not be empty');
  refusedWith({ ...wire, type: undefined }, 'not a CloudEvents 1.0 envelope: type: is required');
  refusedWith({ ...wire, time: '2024-13-45T99:00:00Z' }, 'not a CloudEvents 1.0 envelope: time: the string "2024-13-45T99:00:00Z" is not a valid date-time (RFC 3339, e.g. 2024-05-01T12:00:00Z)');
  refusedWith({ ...wire, datacontenttype: 'text/plain' }, 'not a CloudEvents 1.0 envelope: datacontenttype: must be "application/json", got the string "text/plain"');
});

test('a policy inside policy.upserted is validated by the same schema as a policy file', () => {
  const bad = structuredClone(SAMPLES[EventTypes.policyUpserted]);
  (bad.policy.spec.desiredState.interfaces![0] as { mtu: number }).mtu = 10;
  const r = parseEvent(JSON.stringify(makeEvent(EventTypes.policyUpserted, 'cli', 'fleetnet.intent.policy.base', bad)));
  if (r.ok) return assert.unreachable('accepted');
  assert.equal(r.error.errors.map((e) => [e.path, e.message]), [['data.policy.spec.desiredState.interfaces[0].mtu', 'must be at least 68, got 10 (MTU in bytes, 68..65536 (the kernel allows 65536 on loopback))']]);
});

test.run();
