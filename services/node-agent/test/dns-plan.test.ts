import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { planDns } from '../src/dns/plan.ts';
import { parseResolvConf, renderResolvConf } from '../src/dns/resolv-conf.ts';

const actual = { 'dns-resolver': { config: { server: ['10.0.0.1', '10.0.0.2'], search: ['a.example'] } } };

test('parse: nameservers in order, last search/domain wins, comments ignored', () => {
  assert.equal(parseResolvConf('# x\nsearch a b\nnameserver 1.1.1.1 # main\ndomain c\nnameserver 2001:db8::1\noptions ndots:2\n'), { server: ['1.1.1.1', '2001:db8::1'], search: ['c'], options: ['ndots:2'] });
  assert.equal(parseResolvConf(''), { server: [], search: [], options: [] });
});

test('render: replaced in place, domain dropped when search is set, other lines kept', () => {
  assert.is(renderResolvConf('# c\nnameserver 1.1.1.1\noptions x\nnameserver 2.2.2.2\ndomain old\n', { server: ['9.9.9.9'], search: ['s'] }), '# c\nsearch s\nnameserver 9.9.9.9\noptions x\n');
  assert.is(renderResolvConf('search keep\nnameserver 1.1.1.1\n', { server: [] }), 'search keep\n');
  assert.is(renderResolvConf('options y\n', { search: [] }), 'options y\n');
});

test('plan: empty when in sync (IPv6 spelled differently), one write when order or search differs', () => {
  assert.equal(planDns({ 'dns-resolver': { config: { server: ['10.0.0.1', '10.0.0.2'] } } }, actual, '', '/r'), { operations: [], errors: [] });
  const v6 = { 'dns-resolver': { config: { server: ['2001:db8::1'] } } };
  assert.equal(planDns({ 'dns-resolver': { config: { server: ['2001:0db8:0::1'] } } }, v6, '', '/r').operations, []);
  const order = planDns({ 'dns-resolver': { config: { server: ['10.0.0.2', '10.0.0.1'] } } }, actual, 'nameserver 10.0.0.1\nnameserver 10.0.0.2\n', '/r');
  assert.is(order.operations.length, 1);
  assert.equal(order.operations[0], { backend: 'dns', stage: 'dns', target: '/r', path: '/r', description: 'write /r: servers 10.0.0.1,10.0.0.2 -> 10.0.0.2,10.0.0.1', content: 'nameserver 10.0.0.2\nnameserver 10.0.0.1\n' });
  assert.is(planDns({ 'dns-resolver': { config: { search: ['b.example'] } } }, actual, '', '/r').operations.length, 1);
  assert.equal(planDns({ interfaces: [] }, actual, '', '/r').operations, []);
});

test.run();
