/**
 * MACsec with MKA in a throwaway VM (the VM's kernel has the macsec module; this machine's may not):
 * `fleetnet-agent apply` makes eth1's macsec with nmstate's mka-cak/mka-ckn and runs a supervised
 * wpa_supplicant for it; the far end p1 (namespace "peer") runs a wpa_supplicant started by the test
 * with the same keys. They agree (SAs appear in `ip macsec show`) and ping across; the CAK appears in
 * no output; a supplicant that died is started again by the next apply; `absent` stops it and removes
 * the link; a peer with another CAK never agrees: the apply fails, no SA, no ping.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Interface, NetworkState } from '@fleetnet/contracts';
import { testUnless } from '../support/skip.ts';
import { startVmHost, vmSkipReason, type VmHost } from '../support/vm.ts';

const skip = vmSkipReason();
let vm: VmHost;

const CAK = '5ec2e75ec2e75ec2e75ec2e75ec2e7aa';
const WRONG_CAK = '0bad0bad0bad0bad0bad0bad0bad0bad';
const CKN = 'c0ffee01';
const STATE = '/var/lib/fleetnet/macsec';
const PEER = { conf: '/root/peer-wpa.conf', pid: '/run/peer-wpa.pid', ctrl: '/run/peer-wpa' };

const macsec = (state: Interface['state'] = 'up'): Interface => ({
  name: 'ms1', type: 'macsec', state,
  ...(state === 'absent' ? {} : {
    // newer nmstate's spelling of base-iface (test/vm/nmstate-kinds.test.ts makes one with base-iface)
    macsec: { parent: 'eth1', encrypt: true, port: 0, validation: 'strict', 'send-sci': true, 'mka-cak': CAK, 'mka-ckn': CKN },
    ipv4: { enabled: true, dhcp: false, address: [{ ip: '10.77.0.1', 'prefix-length': 24 }] },
  }),
});
const doc = (state?: Interface['state']): NetworkState => ({ interfaces: [{ name: 'eth1', type: 'ethernet', state: 'up' }, macsec(state)] });

/** The far end: wpa_supplicant on p1 in the peer namespace; it makes its own macsec link (macsec0) on p1. */
async function startPeer(cak: string) {
  await vm.write(PEER.conf, [
    `ctrl_interface=${PEER.ctrl}`, 'eapol_version=3', 'ap_scan=0', 'network={', 'key_mgmt=NONE', 'eapol_flags=0', 'macsec_policy=1',
    'macsec_integ_only=0', 'macsec_port=1', `mka_cak=${cak}`, `mka_ckn=${CKN}`, '}', '',
  ].join('\n'));
  await vm.sh(`ip -n peer link set p1 up && ip netns exec peer wpa_supplicant -B -D macsec_linux -i p1 -c ${PEER.conf} -P ${PEER.pid}`);
}
/** stops the test's own peer supplicant, by its pid file (it removes the macsec0 it made) */
async function stopPeer() {
  await vm.exec(`p=$(cat ${PEER.pid} 2>/dev/null) && kill $p; for i in $(seq 50); do [ -n "$p" ] && kill -0 $p 2>/dev/null || break; sleep 0.1; done; rm -f ${PEER.pid}`);
}
const supplicantPid = async () => Number((await vm.exec(`cat ${STATE}/ms1.pid`)).stdout.trim()) || undefined;
const alive = async (pid: number) => (await vm.exec(`kill -0 ${pid}`)).code === 0;
// bound to ms1: nothing else may answer (qemu's user network on eth0 answers any ping)
const ping = async () => (await vm.exec('ping -I ms1 -c 3 -i 0.3 -W 2 10.77.0.2')).code === 0;
/** the receive SAs of ms1 (a line "0: PN n, state on, key ..." under an RXSC) */
const rxSas = async () => {
  const out = (await vm.exec('ip macsec show ms1')).stdout;
  const rx = out.split(/RXSC:/).slice(1).join('');
  return [...rx.matchAll(/^\s+\d: PN \d+, state on/gm)].length;
};

test.before(async () => {
  if (!skip) vm = await startVmHost({ nics: 1 });
});
test.after(async () => {
  if (vm) await stopPeer().catch(() => undefined);
  vm?.stop();
});

testUnless(test, skip, 'MKA: the agent\'s supplicant and the peer\'s agree (RX and TX SAs), the macsec links ping across; the CAK is in no output, only in a 0600 config file', async () => {
  await startPeer(CAK);
  const r = await vm.apply(doc());
  assert.is(r.code, 0, `apply:\n${r.stdout}${r.stderr}`);
  assert.ok(r.stdout.includes('start MKA (wpa_supplicant on eth1, port 1, CKN c0ffee01)'), r.stdout);
  const link = await vm.link('ms1');
  assert.equal([link.linkinfo.info_kind, link.link, link.flags.includes('UP')], ['macsec', 'eth1', true], 'the agent\'s link, set up by the supplicant once secured');
  assert.ok((await rxSas()) >= 1, `an RX SA on ms1:\n${(await vm.exec('ip macsec show ms1')).stdout}`);
  assert.match((await vm.exec('ip macsec show ms1')).stdout, /TXSC: [0-9a-f]+ on SA \d\n\s+\d: PN \d+, state on/);
  // the peer's supplicant made its own link: it is keyed too
  await vm.sh('ip -n peer addr add 10.77.0.2/24 dev macsec0 && ip -n peer link set macsec0 up');
  assert.ok(await ping(), 'ping across MACsec');

  const pid = await supplicantPid();
  assert.ok(pid && (await alive(pid)), 'the supplicant runs');
  assert.match((await vm.sh(`tr '\\0' ' ' < /proc/${pid}/cmdline`)), `wpa_supplicant -B -D macsec_linux -i eth1 -c ${STATE}/ms1.conf`);
  assert.is((await vm.sh(`stat -c %a ${STATE}/ms1.conf`)).trim(), '600');
  const show = await vm.exec('fleetnet-agent show -o json ms1');
  const shown = JSON.parse(show.stdout).interfaces.find((i: Interface) => i.name === 'ms1');
  assert.is(shown.macsec['mka-ckn'], CKN, 'the running supplicant\'s CKN is read back');
  assert.is(shown.macsec['mka-cak'], undefined, 'the CAK is never read back');
  const plan = await vm.exec(`fleetnet-agent plan -o json -f /tmp/desired-1.yaml`);
  for (const [what, text] of [['apply', r.stdout + r.stderr], ['show', show.stdout + show.stderr], ['plan', plan.stdout + plan.stderr]] as const) {
    assert.not.ok(text.toLowerCase().includes(CAK), `${what} output holds the CAK`);
  }
  assert.not.ok((await vm.exec(`grep -rl ${CAK} ${STATE}`)).stdout.split('\n').filter(Boolean).some((f) => !f.endsWith('/ms1.conf')), 'only the config file holds the CAK in macsec/');
});

testUnless(test, skip, 'MKA: a second apply adopts the running supplicant (nothing to do); one killed is started again by the next apply', async () => {
  const before = await supplicantPid();
  const again = await vm.apply(doc());
  assert.is(again.code, 0, again.stdout + again.stderr);
  assert.match(again.stdout, 'nothing to do');
  assert.is(await supplicantPid(), before, 'the same supplicant');

  await vm.sh(`kill -9 ${before}`);
  const show = JSON.parse((await vm.sh('fleetnet-agent show -o json ms1'))).interfaces.find((i: Interface) => i.name === 'ms1');
  assert.is(show.macsec['mka-ckn'], undefined, 'no supplicant: no CKN read back (out of sync)');
  const r = await vm.apply(doc());
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, 'start MKA');
  const now = await supplicantPid();
  assert.ok(now && now !== before && (await alive(now)), 'a new supplicant');
  assert.ok(await ping(), 'ping across MACsec again');
});

testUnless(test, skip, 'MKA: keys removed from the document stop the supplicant and clear its SAs, the link stays; keys back, it agrees again', async () => {
  const pid = (await supplicantPid())!;
  const noKeys = doc();
  const ms1 = noKeys.interfaces![1]!;
  const { 'mka-cak': _cak, 'mka-ckn': _ckn, ...withoutKeys } = ms1.macsec!;
  ms1.macsec = withoutKeys;
  const r = await vm.apply(noKeys);
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, 'stop MKA (wpa_supplicant) of ms1 (no MKA keys)');
  assert.not.ok(await alive(pid), 'the supplicant stopped');
  assert.ok(await vm.link('ms1'), 'the link stays');
  const shown = (await vm.exec('ip macsec show ms1')).stdout;
  assert.is(await rxSas(), 0, `no RX SA left:\n${shown}`);
  assert.not.match(shown, /TXSC: [0-9a-f]+ on SA \d\n\s+\d: PN/, `no TX SA left:\n${shown}`);
  const back = await vm.apply(doc());
  assert.is(back.code, 0, back.stdout + back.stderr);
  assert.ok(await ping(), 'ping across MACsec with the keys back');
});

testUnless(test, skip, 'MKA: state absent stops the supplicant and removes the link and the files', async () => {
  const pid = (await supplicantPid())!;
  const r = await vm.apply(doc('absent'));
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.is(await vm.link('ms1'), undefined, 'ms1 is gone');
  assert.not.ok(await alive(pid), 'the supplicant stopped');
  assert.is((await vm.sh(`ls ${STATE}`)).trim(), '', 'no files left (the CAK with them)');
  await stopPeer();
});

testUnless(test, skip, 'MKA: a peer with another CAK never agrees — the apply fails naming MKA, no RX SA, no ping, the supplicant stopped', async () => {
  await startPeer(WRONG_CAK);
  // kept (no rollback) to look at the link the supplicant could not key
  const r = await vm.apply(doc(), { args: '--no-rollback' });
  assert.is.not(r.code, 0, r.stdout);
  assert.match(r.stdout, 'MKA did not secure ms1 within 30 s');
  assert.ok(await vm.link('ms1'), 'the link is kept (--no-rollback)');
  assert.is(await rxSas(), 0, `no RX SA:\n${(await vm.exec('ip macsec show ms1')).stdout}`);
  await vm.exec('ip -n peer addr add 10.77.0.2/24 dev macsec0; ip -n peer link set macsec0 up');
  assert.not.ok(await ping(), 'no ping across');
  assert.is.not((await vm.exec(`test -e ${STATE}/ms1.pid`)).code, 0, 'no supplicant of ms1');
  assert.is((await vm.apply(doc('absent'))).code, 0);
  assert.is(await vm.link('ms1'), undefined);
});

test.run();
