import type { Runner } from '../exec.ts';

/**
 * TCP and DNS checks run as a small child node process, so they run in the agent's namespace even
 * when the agent drives another one (`netns` option: the runner prefixes `ip netns exec`). The
 * script is fixed text; host, port and name travel as argv, never spliced into code.
 */
const SCRIPT = String.raw`
const [kind, host, port, timeoutMs, name] = process.argv.slice(1);
const t = Number(timeoutMs);
const fail = (m) => { process.stderr.write(String(m)); process.exit(1); };
setTimeout(() => fail('timed out after ' + t + ' ms'), t).unref();
if (kind === 'tcp') {
  const s = require('node:net').connect({ host, port: Number(port) });
  s.on('connect', () => { s.destroy(); process.exit(0); });
  s.on('error', (e) => fail(e.message));
} else {
  const id = Math.floor(Math.random() * 65535);
  const labels = name === '.' ? [] : name.replace(/\.$/, '').split('.');
  const q = Buffer.concat([
    Buffer.from([id >> 8, id & 255, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]),
    ...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])),
    Buffer.from([0, 0, 2, 0, 1]),
  ]);
  const fam = require('node:net').isIP(host) === 6 ? 'udp6' : 'udp4';
  const s = require('node:dgram').createSocket(fam);
  s.on('message', (m) => { if (m.readUInt16BE(0) === id) process.exit(0); });
  s.on('error', (e) => fail(e.message));
  s.send(q, Number(port), host);
}
`;

export async function socketCheck(run: Runner, kind: 'tcp' | 'dns', host: string, port: number, timeoutMs: number, name = '.') {
  const r = await run(process.execPath, ['-e', SCRIPT, kind, host, String(port), String(timeoutMs), name], { timeoutMs: timeoutMs + 5000 });
  return r.exitCode === 0 ? { ok: true } : { ok: false, message: r.stderr.trim() || `exit ${r.exitCode}` };
}
