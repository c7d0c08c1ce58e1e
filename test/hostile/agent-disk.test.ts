/**
 * The agent's disk and the bus's size limit (issue 13 items 1, 2, 10c): a state disk that is full,
 * a checkpoint cut short, and a bus whose max_payload is smaller than a report. Real kernel
 * (network namespaces), real nats-server, the real agent binary; the full disk is a small tmpfs
 * mounted in a private mount namespace of the agent process only (`unshare -m`), never in the
 * machine's own.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { NetworkState, SyncReportedData } from '@fleetnet/contracts';
import { encodeEvent, EventTypes, makeEvent, parseEvent, Streams, StreamSubjects, subjects } from '@fleetnet/contracts';
import { createAgent, type Agent } from '../../services/node-agent/src/index.ts';
import { createLogger } from '../../services/node-agent/src/log.ts';
import { startDaemon, type Daemon } from '../../services/node-agent/src/bus/daemon.ts';
import { CHECKPOINT_FILE } from '../../services/node-agent/src/state-dir.ts';
import { settled, snapshot } from '../../services/node-agent/test/helpers.ts';
import { onExit } from '../support/cleanup.ts';
import { startNats, type NatsServer } from '../support/nats.ts';
import { createNetns, shortId, type Netns } from '../support/netns.ts';
import { waitFor } from '../support/ports.ts';

const bin = new URL('../../services/node-agent/bin/fleetnet-agent.js', import.meta.url).pathname;
const why = process.getuid?.() !== 0 ? 'needs root (network and mount namespaces)' : undefined;

function tempDir(tag: string) {
  const dir = mkdtempSync(join(tmpdir(), `fleetnet-disk-${tag}-`));
  onExit(`dir-${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'resolv.conf'), 'nameserver 127.0.0.1\n');
  return dir;
}

const agentArgs = (dir: string, stateDir: string) => [
  bin, '--state-dir', stateDir, '--sysfs-root', join(dir, 'sys'), '--resolv-conf', join(dir, 'resolv.conf'),
  '--ovs-db', `unix:${dir}/no-ovs.sock`, '--log-level', 'silent',
];

/** A checkpoint as the agent writes it, cut after `bytes` bytes (a disk that filled up mid-write, before the length check). */
function tornCheckpoint(version: number, bytes: number): string {
  const cp = {
    createdAt: new Date().toISOString(), pid: 1, version,
    before: { interfaces: Array.from({ length: 40 }, (_, i) => ({ name: `gone${i}`, type: 'veth', state: 'up', mtu: 1500 })) },
    created: [], touches: ['br-x'], operations: [],
  };
  return JSON.stringify(cp, null, 2).slice(0, bytes);
}

const t = suite('the agent\'s disk and the bus\'s size limit');

if (why) {
  console.log(`SKIP: agent disk: ${why}`);
  t.skip('agent disk', () => undefined);
} else {
  t('a full state disk: the apply does not start, one clear line, no temp file left, the kernel as it was', () => {
    const ns = createNetns('disk');
    const dir = tempDir('full');
    try {
      // a state big enough that its checkpoint needs more than the two pages left free
      for (let i = 0; i < 8; i++) ns.ip('link', 'add', `d${i}`, 'type', 'veth', 'peer', 'name', `d${i}p`);
      const before = snapshot(ns);
      const file = join(dir, 'state.yaml');
      writeFileSync(file, 'interfaces:\n  - { name: br-full, type: linux-bridge, state: up, mtu: 1400 }\n');
      const stateDir = join(dir, 'state');
      mkdirSync(stateDir);
      const cmd = [
        `mount -t tmpfs -o size=64k,mode=700 fleetnet-test ${stateDir}`,
        `dd if=/dev/zero of=${stateDir}/fill bs=4k 2>/dev/null; truncate -s -8k ${stateDir}/fill`,
        `"$@" > ${dir}/out 2> ${dir}/err; echo $? > ${dir}/rc`,
        `ls -A ${stateDir} > ${dir}/ls`,
      ].join('; ');
      const r = spawnSync('ip', ['netns', 'exec', ns.name, 'unshare', '-m', '--propagation', 'private', 'sh', '-c', cmd, 'sh',
        process.execPath, ...agentArgs(dir, stateDir), 'apply', '-f', file], { encoding: 'utf8', timeout: 60_000 });
      assert.is(r.status, 0, r.stderr);
      const out = readFileSync(join(dir, 'out'), 'utf8');
      const err = readFileSync(join(dir, 'err'), 'utf8');
      assert.is(readFileSync(join(dir, 'rc'), 'utf8').trim(), '1', `${out}\n${err}`);
      assert.match(out, new RegExp(`error: the apply did not start: cannot write ${stateDir}/checkpoint.json: no space left on device \\(ENOSPC\\)`));
      assert.not.match(err + out, /\n\s+at /, 'no stack trace');
      const left = readFileSync(join(dir, 'ls'), 'utf8').split('\n').filter(Boolean);
      assert.equal(left.filter((f) => f.includes('.tmp-')), [], `no temp file: ${left}`);
      assert.not.ok(left.includes('checkpoint.json'));
      assert.is(snapshot(ns), before, 'the kernel is as it was');
      // nothing of the tmpfs is left in the machine's own mount namespace
      assert.equal(readdirSync(stateDir), []);
    } finally {
      ns.remove();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  t('a checkpoint cut short, found at start: set aside, the host left as it is, the apply runs; no crash loop', () => {
    const ns = createNetns('torn');
    const dir = tempDir('torn');
    try {
      ns.ip('link', 'add', 'keep0', 'type', 'veth', 'peer', 'name', 'keep0p');
      const stateDir = join(dir, 'state');
      mkdirSync(stateDir, { mode: 0o700 });
      writeFileSync(join(stateDir, CHECKPOINT_FILE), tornCheckpoint(7, 300));
      const file = join(dir, 'state.yaml');
      writeFileSync(file, 'interfaces:\n  - { name: br-torn, type: linux-bridge, state: up, mtu: 1400 }\n');
      const run = () => spawnSync('ip', ['netns', 'exec', ns.name, process.execPath, ...agentArgs(dir, stateDir), 'apply', '-f', file], { encoding: 'utf8', timeout: 60_000 });
      const r = run();
      assert.is(r.status, 0, `${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, /^checkpoint unreadable, host left as it is: .*checkpoint\.json: not valid JSON \(300 bytes\).* \(set aside as .*checkpoint\.json\.corrupt-/);
      assert.not.match(r.stderr + r.stdout, /\n\s+at /, 'no stack trace');
      const files = readdirSync(stateDir);
      assert.ok(files.some((f) => f.startsWith('checkpoint.json.corrupt-')), `set aside: ${files}`);
      assert.not.ok(files.includes(CHECKPOINT_FILE));
      // not "restored" from a guess: the link the torn file did not list is still there
      assert.ok((ns.ipJson('link', 'show') as { ifname: string }[]).some((l) => l.ifname === 'keep0'));
      const again = run();
      assert.is(again.status, 0, again.stderr);
      assert.match(again.stdout, /nothing to do/);
    } finally {
      ns.remove();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  t('created.json cut short: set aside, the apply runs (fleetnet forgets what it created rather than failing every apply)', () => {
    const ns = createNetns('crtd');
    const dir = tempDir('crtd');
    try {
      const stateDir = join(dir, 'state');
      mkdirSync(stateDir, { mode: 0o700 });
      writeFileSync(join(stateDir, 'created.json'), '[\n  "br-a",\n  "br-');
      const file = join(dir, 'state.yaml');
      writeFileSync(file, 'interfaces:\n  - { name: br-crtd, type: linux-bridge, state: up }\n');
      const r = spawnSync('ip', ['netns', 'exec', ns.name, process.execPath, ...agentArgs(dir, stateDir), 'apply', '-f', file], { encoding: 'utf8', timeout: 60_000 });
      assert.is(r.status, 0, `${r.stdout}\n${r.stderr}`);
      const files = readdirSync(stateDir);
      assert.ok(files.some((f) => f.startsWith('created.json.corrupt-')), `set aside: ${files}`);
      assert.equal(JSON.parse(readFileSync(join(stateDir, 'created.json'), 'utf8')), ['br-crtd'], 'written anew, whole');
    } finally {
      ns.remove();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  t('ENOSPC on the state dir of a read-only one-shot command is one line, not a stack trace', () => {
    const ns = createNetns('rofs');
    const dir = tempDir('rofs');
    try {
      const stateDir = join(dir, 'state');
      mkdirSync(stateDir);
      const file = join(dir, 'state.yaml');
      writeFileSync(file, 'interfaces:\n  - { name: br-ro, type: linux-bridge, state: up }\n');
      const cmd = `mount -t tmpfs -o size=4k,nr_inodes=2 fleetnet-test ${stateDir}; mount -o remount,ro ${stateDir}; "$@" > ${dir}/out 2> ${dir}/err; echo $? > ${dir}/rc`;
      spawnSync('ip', ['netns', 'exec', ns.name, 'unshare', '-m', '--propagation', 'private', 'sh', '-c', cmd, 'sh',
        process.execPath, ...agentArgs(dir, stateDir), 'apply', '-f', file], { encoding: 'utf8', timeout: 60_000 });
      const out = readFileSync(join(dir, 'out'), 'utf8') + readFileSync(join(dir, 'err'), 'utf8');
      assert.is(readFileSync(join(dir, 'rc'), 'utf8').trim(), '1', out);
      // whichever write comes first (the lock, a backend's own directory) names the path and the error
      assert.match(out, /(read-only file system|EROFS|ENOENT).*\/state/i, out);
      assert.not.match(out, /\n\s+at /, 'no stack trace');
      assert.ok(out.trim().split('\n').length <= 3, out);
      assert.not.ok((ns.ipJson('link', 'show') as { ifname: string }[]).some((l) => l.ifname === 'br-ro'), 'nothing applied');
    } finally {
      ns.remove();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // The daemon on a bus whose max_payload (16 KiB) is smaller than its reports.
  const host = `disk-${shortId()}`;
  let nats: NatsServer;
  let ctl: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  let ns: Netns;
  let dir: string;
  let agent: Agent;
  let daemon: Daemon | undefined;
  const syncs: (SyncReportedData & { id: string })[] = [];
  const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const phases = (v: number) => syncs.filter((s) => s.version === v).map((s) => s.phase);
  const veths = (n: number, mtu: number): NetworkState => ({
    interfaces: Array.from({ length: n }, (_, i) => ({ name: `mp${i}`, type: 'veth' as const, veth: { peer: `mp${i}p` }, state: 'up' as const, mtu })),
  });
  const publishDesired = async (version: number, state: NetworkState) => {
    const ev = makeEvent(EventTypes.desiredPublished, 'test', subjects.desired(host), { host, version, state, contentHash: `h${version}`, sources: [], probes: { gateway: false } });
    await js.publish(subjects.desired(host), encodeEvent(ev), { msgID: ev.id });
  };
  const lastState = async () => {
    const m = await jsm.streams.getMessage(Streams.reports, { last_by_subj: subjects.state(host) });
    const p = parseEvent(m!.data, [EventTypes.stateReported]);
    return p.ok ? (p.event.data as { state: NetworkState; summarized?: string; seq?: number; appliedVersion?: number }) : undefined;
  };
  const startAgentDaemon = () => startDaemon({ host, servers: [nats.url], agent, log, sysfsRoot: join(dir, 'sys'), heartbeatMs: 1000, retry: { maxAttempts: 2, baseMs: 300, maxMs: 600 } });

  t('a bus with max_payload 16 KiB: a report too big is summarized (and says so), the reports behind it still go out', async () => {
    nats = await startNats({ config: 'max_payload: 16384\n' });
    ctl = await connect({ servers: nats.url });
    jsm = await jetstreamManager(ctl);
    js = jetstream(ctl);
    await jsm.streams.add({ name: Streams.desired, subjects: [...StreamSubjects[Streams.desired]], allow_direct: true });
    await jsm.streams.add({ name: Streams.reports, subjects: [...StreamSubjects[Streams.reports]] });
    ctl.subscribe(subjects.sync(host), {
      callback: (_e, m) => {
        const p = parseEvent(m.data, [EventTypes.syncReported]);
        if (p.ok) syncs.push({ ...(p.event.data as SyncReportedData), id: p.event.id });
      },
    });
    ns = createNetns('mp');
    dir = tempDir('mp');
    agent = createAgent({ stateDir: join(dir, 'state'), log, netns: ns.name, sysfsRoot: join(dir, 'sys'), resolvConf: join(dir, 'resolv.conf'), ovs: false });
    daemon = await startAgentDaemon();

    await publishDesired(1, veths(40, 1400));
    await waitFor(() => phases(1).includes('Applied'), 60_000, 'v1 Applied reported (its results are more than the bus takes)');
    const applied = syncs.find((s) => s.version === 1 && s.phase === 'Applied')!;
    assert.match(applied.summarized ?? '', /more than the bus takes \(max_payload 16384\)/);
    assert.match(applied.summarized!, /only the first \d+ of \d+ (results|operations)/);
    assert.ok(applied.results!.length > 0, 'the results kept come with it');
    const st = await waitFor(async () => ((await lastState())?.appliedVersion === 1 ? lastState() : undefined), 15_000, 'the state report after v1');
    assert.match(st.summarized ?? '', /only the first \d+ of \d+ interfaces/);
    assert.type(st.seq, 'number');
    // the queue is not blocked: the next version's reports arrive too, and nothing waits
    await publishDesired(2, veths(2, 1450));
    await waitFor(() => phases(2).includes('Applied'), 60_000, 'v2 Applied reported');
    await waitFor(() => daemon!.queuedReports === 0, 15_000, 'the outbox is empty');
    const outbox = readFileSync(join(dir, 'state', 'outbox.jsonl'), 'utf8');
    assert.is(outbox, '', 'an empty outbox file once everything went out');
  });

  t('the daemon finds a torn checkpoint at start: the sync says Failed with the reason, the kernel stays, the next version applies', async () => {
    await daemon!.stop();
    daemon = undefined;
    await settled(ns);
    const before = snapshot(ns);
    writeFileSync(join(dir, 'state', CHECKPOINT_FILE), tornCheckpoint(2, 200));
    const seen = syncs.length;
    daemon = await startAgentDaemon();
    await waitFor(() => syncs.slice(seen).some((s) => s.version === 2 && s.phase === 'Failed'), 20_000, 'a Failed report for v2');
    const failed = syncs.slice(seen).find((s) => s.version === 2 && s.phase === 'Failed')!;
    assert.match(failed.error!.message, /checkpoint unreadable, host left as it is: .*not valid JSON \(200 bytes\).*set aside as/);
    assert.ok(readdirSync(join(dir, 'state')).some((f) => f.startsWith('checkpoint.json.corrupt-')));
    assert.is(snapshot(ns), before, 'the kernel is as it was');
    await publishDesired(3, veths(2, 1500));
    await waitFor(() => phases(3).includes('Applied'), 60_000, 'v3 Applied');
    assert.is(daemon.appliedVersion, 3);
    assert.ok(existsSync(join(dir, 'state', 'report-seq.json')), 'the report counter is kept on disk');
  });

  t('the daemon\'s own files torn (applied version, report counter, outbox): it starts, sets them aside, its reports still count', async () => {
    await daemon!.stop();
    daemon = undefined;
    const seqBefore = (await lastState())!.seq!;
    const state = join(dir, 'state');
    writeFileSync(join(state, 'bus-applied.json'), '{"at": "2026-');
    writeFileSync(join(state, 'report-seq.json'), '{"reserved": 12');
    writeFileSync(join(state, 'outbox.jsonl'), 'not json\n{"sent":"nobody"}\n{"subject":');
    const seen = syncs.length;
    daemon = await startAgentDaemon();
    await publishDesired(4, veths(2, 1460));
    await waitFor(() => syncs.slice(seen).some((s) => s.version === 4 && s.phase === 'Applied'), 60_000, 'v4 Applied');
    const st = await waitFor(async () => ((await lastState())?.appliedVersion === 4 ? lastState() : undefined), 15_000, 'the state report after v4');
    assert.ok(st.seq! > seqBefore, `the counter went on from the clock: ${st.seq} > ${seqBefore}`);
    const files = readdirSync(state);
    assert.ok(files.some((f) => f.startsWith('bus-applied.json.corrupt-')), `set aside: ${files}`);
    assert.ok(files.some((f) => f.startsWith('report-seq.json.corrupt-')) || JSON.parse(readFileSync(join(state, 'report-seq.json'), 'utf8')).reserved > seqBefore, 'the counter is kept again');
  });

  t.after(async () => {
    await daemon?.stop();
    await ctl?.close().catch(() => undefined);
    ns?.remove();
    await nats?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    void execFileSync;
  });
}

t.run();
