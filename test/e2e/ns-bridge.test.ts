import { test } from 'uvu';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as assert from 'uvu/assert';
import { startNats } from '../support/nats.ts';
import { createNetns, vethPair } from '../support/netns.ts';
import { bridgeIntoNetns } from '../support/ns-bridge.ts';

test('a host namespace reaches the nats-server on root loopback only through its own link', async () => {
  const nats = await startNats();
  const router = createNetns('rt');
  const host = createNetns('h');
  try {
    vethPair(router, 'fab0', host, 'up0');
    router.ip('addr', 'add', '10.250.0.1/24', 'dev', 'fab0');
    router.ip('link', 'set', 'fab0', 'up');
    host.ip('addr', 'add', '10.250.0.10/24', 'dev', 'up0');
    host.ip('link', 'set', 'up0', 'up');
    const bridge = await bridgeIntoNetns(router, '10.250.0.1', 4222, nats.port);
    const probe = `const s=require('node:net').connect(4222,'10.250.0.1');s.once('data',d=>{console.log(String(d).slice(0,4));process.exit(0)});s.on('error',e=>{console.log('ERR '+e.code);process.exit(1)});setTimeout(()=>{console.log('TIMEOUT');process.exit(1)},3000)`;
    // async: the forwarder lives in this process's event loop, so a synchronous exec would block it
    const run = promisify(execFile);
    const inHost = ['netns', 'exec', host.name, process.execPath, '-e', probe];
    assert.is((await run('ip', inHost)).stdout.trim(), 'INFO', 'the NATS INFO line arrives through the fabric');
    host.ip('addr', 'flush', 'dev', 'up0');
    let out = '';
    try {
      await run('ip', inHost);
    } catch (e) {
      out = String((e as { stdout?: Buffer }).stdout);
    }
    assert.match(out, /ERR|TIMEOUT/, 'without its address the host cannot reach NATS');
    await bridge.close();
  } finally {
    host.remove();
    router.remove();
    await nats.stop();
  }
});

test.run();
