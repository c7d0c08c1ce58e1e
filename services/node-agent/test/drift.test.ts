import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { NetworkState } from '@fleetnet/contracts';
import { createNetns } from '../../../test/support/netns.ts';
import { sleep, waitFor } from '../../../test/support/ports.ts';
import { agentIn } from './helpers.ts';

test('drift: a change made behind the agent\'s back is reported from netlink events (not the periodic read), debounced', async () => {
  const ns = createNetns('drift');
  const t = agentIn(ns);
  const seen: { at: number; state: NetworkState }[] = [];
  // The periodic read is an hour away: whatever arrives came through `ip monitor`.
  const stop = t.agent.watchDrift((state) => seen.push({ at: Date.now(), state }), { intervalMs: 3_600_000, debounceMs: 150 });
  try {
    await sleep(800); // the watcher's first read is its baseline
    assert.is(seen.length, 0, 'no report without a change');
    const changedAt = Date.now();
    // a burst of changes: one link, an address, a route
    ns.ip('link', 'add', 'd0', 'type', 'veth', 'peer', 'name', 'd0p');
    ns.ip('addr', 'add', '10.99.0.1/24', 'dev', 'd0');
    ns.ip('link', 'set', 'd0', 'up');
    await waitFor(() => seen.some((s) => s.state.interfaces?.some((i) => i.name === 'd0' && i.ipv4?.address?.length)), 10_000, 'drift report');
    const first = seen[0]!;
    console.log(`drift reported ${first.at - changedAt} ms after the change; ${seen.length} report(s) for a burst of 3 changes`);
    assert.ok(seen.length <= 3, 'debounced');
    const count = seen.length;
    await sleep(600);
    ns.ip('link', 'set', 'd0', 'mtu', '1400');
    await waitFor(() => seen.length > count && seen[seen.length - 1]!.state.interfaces?.find((i) => i.name === 'd0')?.mtu === 1400, 10_000, 'mtu drift');
  } finally {
    stop();
    t.cleanup();
    ns.remove();
  }
});

test('drift: a change and its reversal within the debounce still reach the daemon (the state it compares may have moved in between)', async () => {
  const ns = createNetns('drift2');
  const t = agentIn(ns);
  ns.ip('link', 'add', 'e0', 'type', 'veth', 'peer', 'name', 'e0p');
  const seen: NetworkState[] = [];
  const stop = t.agent.watchDrift((state) => seen.push(state), { intervalMs: 3_600_000, debounceMs: 400 });
  try {
    await sleep(1000); // the baseline read
    const count = seen.length;
    ns.ip('link', 'set', 'e0', 'mtu', '1400');
    ns.ip('link', 'set', 'e0', 'mtu', '1500');
    await waitFor(() => seen.length > count, 5_000, 'the events passed on although the state reads as before');
    assert.is(seen[seen.length - 1]!.interfaces?.find((i) => i.name === 'e0')?.mtu, 1500);
  } finally {
    stop();
    t.cleanup();
    ns.remove();
  }
});

test.run();
