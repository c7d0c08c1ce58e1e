/** MACsec MKA, the pure parts: which supplicants a plan starts or stops, their config, wpa_cli's status. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Interface, NetworkState } from '@fleetnet/contracts';
import { NO_SUPPLICANT, cakFingerprint, mkaOf, parseStatus, planMacsec, renderConfig, staleSecureChannels } from '../src/macsec/index.ts';
import type { MkaSettings } from '../src/macsec/settings.ts';

const CAK = '0123456789ABCDEF0123456789abcdef';
const OTHER_CAK = 'fedcba9876543210fedcba9876543210';
const section = { 'base-iface': 'eth1', encrypt: true, port: 0, validation: 'strict', 'send-sci': true } as const;
const ms = (extra: Partial<NonNullable<Interface['macsec']>> = {}, name = 'ms0'): Interface =>
  ({ name, type: 'macsec', state: 'up', macsec: { ...section, 'mka-cak': CAK, 'mka-ckn': 'AB01', ...extra } });
const RUNNING: MkaSettings = { base: 'eth1', port: 1, integOnly: false, ckn: 'ab01', cakFingerprint: cakFingerprint(CAK) };
const kernelLink: Interface = { name: 'ms0', type: 'macsec', macsec: { ...section, port: 1 } };
const actual: NetworkState = { interfaces: [{ name: 'eth1', type: 'ethernet' }, kernelLink] };
const steps = (desired: NetworkState, running: Record<string, MkaSettings> = {}, a = actual, installed = true) =>
  planMacsec(desired, a, new Map(Object.entries(running)), installed).operations.map((o) => `${o.action} ${o.iface}`);

test('mkaOf: port 0 is 1, encrypt false is integrity only, the CKN lower-cased, the CAK only as a fingerprint; nothing without keys', () => {
  const s = mkaOf(ms({ encrypt: false }))!;
  assert.equal(s, { base: 'eth1', port: 1, integOnly: true, ckn: 'ab01', cakFingerprint: cakFingerprint(CAK) });
  assert.is(s.cakFingerprint, cakFingerprint(CAK.toLowerCase()), 'the CAK is case-insensitive hex');
  assert.not.ok(JSON.stringify(s).toLowerCase().includes(CAK.toLowerCase()), 'no CAK in the settings');
  assert.is(mkaOf({ name: 'ms0', type: 'macsec', macsec: { ...section } }), undefined);
});

test('planMacsec: start, keep, restart on a new CAK or a re-created link, stop without keys / absent / down / gone; an entry without a macsec section leaves it', () => {
  assert.equal(steps({ interfaces: [ms()] }), ['start ms0']);
  assert.equal(steps({ interfaces: [ms()] }, { ms0: RUNNING }), []);
  assert.equal(steps({ interfaces: [ms({ 'mka-cak': OTHER_CAK })] }, { ms0: RUNNING }), ['stop ms0', 'start ms0']);
  assert.equal(steps({ interfaces: [ms({ validation: 'check' })] }, { ms0: RUNNING }), ['stop ms0', 'start ms0'], 'the linux backend re-creates the link');
  assert.equal(steps({ interfaces: [ms()] }, { ms0: RUNNING }, { interfaces: [{ name: 'eth1', type: 'ethernet' }] }), ['stop ms0', 'start ms0'], 'the link is created anew');
  assert.equal(steps({ interfaces: [{ name: 'ms0', type: 'macsec', macsec: { ...section } }] }, { ms0: RUNNING }), ['stop ms0']);
  assert.equal(steps({ interfaces: [{ name: 'ms0', type: 'macsec', state: 'absent' }] }, { ms0: RUNNING }), ['stop ms0']);
  assert.equal(steps({ interfaces: [{ name: 'ms0', type: 'macsec', state: 'down' }] }, { ms0: RUNNING }), ['stop ms0']);
  assert.equal(steps({ interfaces: [{ name: 'ms0', mtu: 1400 }] }, { ms0: RUNNING }), []);
  assert.equal(steps({ interfaces: [] }, { ms0: RUNNING }, { interfaces: [] }), ['stop ms0'], 'its link is gone');
  assert.equal(steps({ interfaces: [] }, { ms0: RUNNING }), [], 'not named, still there: left alone');
  // a rollback's target is a state read back: the CKN without the CAK leaves MKA as it is
  assert.equal(steps({ interfaces: [{ name: 'ms0', type: 'macsec', macsec: { ...section, 'mka-ckn': 'ab01' } }] }, { ms0: RUNNING }), []);
});

test('planMacsec: no wpa_supplicant installed is a plan error naming the field and the package; operations never carry the CAK', () => {
  const p = planMacsec({ interfaces: [{ name: 'eth1', type: 'ethernet' }, ms()] }, actual, new Map(), false);
  assert.equal(p.errors, [{ path: 'interfaces[1].macsec.mka-cak', message: NO_SUPPLICANT }]);
  assert.match(NO_SUPPLICANT, 'Debian package wpasupplicant');
  assert.equal(p.operations, []);
  const ops = planMacsec({ interfaces: [ms()] }, actual, new Map([['ms0', { ...RUNNING, ckn: '01' }]]), true).operations;
  assert.equal(ops.map((o) => [o.stage, o.action]), [['macsec', 'stop'], ['macsec', 'start']]);
  assert.not.ok(JSON.stringify(ops).toLowerCase().includes(CAK.toLowerCase()), 'no CAK in a plan');
});

test('renderConfig: MKA with a pre-shared CAK on the link\'s SCI port, integrity only from encrypt, the control socket where asked', () => {
  const conf = renderConfig(mkaOf(ms({ encrypt: false, port: 7 }))!, CAK, '/var/lib/fleetnet/macsec/ms0.ctrl');
  for (const line of ['ctrl_interface=/var/lib/fleetnet/macsec/ms0.ctrl', '\tkey_mgmt=NONE', '\teapol_flags=0', '\tmacsec_policy=1', '\tmacsec_integ_only=1', '\tmacsec_port=7', `\tmka_cak=${CAK.toLowerCase()}`, '\tmka_ckn=ab01']) {
    assert.ok(conf.split('\n').includes(line), line);
  }
  assert.ok(renderConfig(mkaOf(ms())!, CAK, '/x').includes('\tmacsec_integ_only=0\n'));
});

test('parseStatus: secured and the CKN from wpa_cli status', () => {
  const text = 'bssid=01:80:c2:00:00:03\nwpa_state=COMPLETED\nPAE KaY status=Active\nAuthenticated=No\nSecured=Yes\nFailed=No\nckn=AB01\nmi=86208fc4\n';
  assert.equal(parseStatus(text), { secured: true, ckn: 'ab01' });
  assert.equal(parseStatus('wpa_state=COMPLETED\nSecured=No\n'), { secured: false });
  assert.equal(parseStatus(''), { secured: false });
});

test('staleSecureChannels: the TX SAs and RX channels a dead supplicant left, as ip macsec del lines; none on a fresh link', () => {
  const shown = [
    '7: ms0: protect on validate strict sc off sa off encrypt on send_sci on end_station off scb off replay off ',
    '    cipher suite: GCM-AES-128, using ICV length 16',
    '    TXSC: 525400f100010001 on SA 1',
    '        0: PN 7, state off, key 86208fc492470d3eab86ae0201000000',
    '        1: PN 3, state on, key 86208fc492470d3eab86ae0202000000',
    '    RXSC: 525400F200010001, state on',
    '        0: PN 1, state on, key 86208fc492470d3eab86ae0201000000',
    '    offload: off ',
  ].join('\n');
  assert.equal(staleSecureChannels('ms0', shown), [
    ['macsec', 'set', 'ms0', 'tx', 'sa', '0', 'off'], ['macsec', 'del', 'ms0', 'tx', 'sa', '0'],
    ['macsec', 'set', 'ms0', 'tx', 'sa', '1', 'off'], ['macsec', 'del', 'ms0', 'tx', 'sa', '1'],
    ['macsec', 'del', 'ms0', 'rx', 'sci', '525400f200010001'],
  ]);
  assert.equal(staleSecureChannels('ms0', '7: ms0: protect on validate strict\n    cipher suite: GCM-AES-128, using ICV length 16\n    TXSC: 525400f100010001 on SA 0\n    offload: off\n'), []);
});

test.run();
