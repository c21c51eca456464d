import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkDestination, forbiddenRange, type Resolve } from './address-guard.ts';

const closed = { allowPrivateAddresses: false, allowedHosts: [] as string[] };

/** A resolver that answers from a table, and records what it was asked. */
function table(entries: Record<string, string[]>): Resolve & { asked: string[] } {
  const asked: string[] = [];
  const resolve = async (host: string) => {
    asked.push(host);
    const found = entries[host];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return found.map((address) => ({ address, family: (address.includes(':') ? 6 : 4) as 4 | 6 }));
  };
  return Object.assign(resolve, { asked });
}

test('loopback, private, link-local, CGNAT, unique-local and unspecified addresses are off limits', () => {
  for (const address of [
    '127.0.0.1',
    '127.255.255.254',
    '10.0.0.1',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '100.127.255.255',
    '0.0.0.0',
    '::1',
    '::',
    'fc00::1',
    'fd12:3456:789a::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    '::ffff:a9fe:a9fe',
    '64:ff9b::10.0.0.1',
    '224.0.0.1',
  ]) {
    assert.notEqual(forbiddenRange(address), null, address);
  }
  assert.match(forbiddenRange('169.254.169.254')!, /link-local/);
  assert.match(forbiddenRange('127.0.0.1')!, /loopback/);
  assert.match(forbiddenRange('100.64.0.1')!, /carrier-grade NAT/);
  assert.match(forbiddenRange('fd00::1')!, /unique-local/);
});

test('public addresses, including neighbours of the private ranges, are allowed', () => {
  for (const address of ['8.8.8.8', '1.1.1.1', '172.15.255.255', '172.32.0.0', '100.63.255.255', '100.128.0.0', '192.169.0.1', '2606:4700::1111', '::ffff:8.8.8.8', '64:ff9b::1.1.1.1']) {
    assert.equal(forbiddenRange(address), null, address);
  }
  assert.equal(forbiddenRange('example.com'), 'not an IP address');
});

test('a host name is refused when any one of its addresses is private, naming that address', async () => {
  const resolve = table({ 'hooks.example.com': ['93.184.216.34', '10.1.2.3'] });
  const d = await checkDestination('https://hooks.example.com/x?token=s3cret', closed, resolve);
  assert.equal(d.ok, false);
  assert.ok(!d.ok && d.problem.includes('10.1.2.3') && d.problem.includes('hooks.example.com'));
  assert.ok(!d.ok && !d.problem.includes('s3cret'), 'the query never appears in the problem');
});

test('a public host name is allowed, with every address it resolved to', async () => {
  const d = await checkDestination('https://hooks.example.com/x', closed, table({ 'hooks.example.com': ['93.184.216.34', '2606:2800:220:1::1'] }));
  assert.ok(d.ok);
  assert.deepEqual(d.addresses.map((a) => a.address), ['93.184.216.34', '2606:2800:220:1::1']);
});

test('IP literals are judged without resolving, in any spelling the URL parser accepts', async () => {
  const resolve = table({});
  for (const url of ['http://127.0.0.1:8080/', 'http://[::1]/', 'http://[::ffff:127.0.0.1]/', 'http://2130706433/', 'http://0x7f.1/', 'http://169.254.169.254/latest/meta-data/', 'http://0.0.0.0/']) {
    const d = await checkDestination(url, closed, resolve);
    assert.equal(d.ok, false, url);
  }
  assert.deepEqual(resolve.asked, []);
});

test('allowPrivateAddresses or a listed host lets a private destination through', async () => {
  assert.ok((await checkDestination('http://127.0.0.1:9/', { allowPrivateAddresses: true, allowedHosts: [] }, table({}))).ok);
  assert.ok((await checkDestination('http://127.0.0.1:9/', { allowPrivateAddresses: false, allowedHosts: ['127.0.0.1'] }, table({}))).ok);
  assert.ok((await checkDestination('http://[::1]:9/', { allowPrivateAddresses: false, allowedHosts: ['[::1]'] }, table({}))).ok);
  const internal = table({ 'hooks.internal': ['10.0.0.5'] });
  assert.ok((await checkDestination('http://Hooks.Internal/x', { allowPrivateAddresses: false, allowedHosts: ['hooks.internal'] }, internal)).ok);
  // Listing one host does not open another.
  assert.equal((await checkDestination('http://10.0.0.5/x', { allowPrivateAddresses: false, allowedHosts: ['hooks.internal'] }, internal)).ok, false);
});

test('only http and https URLs are allowed', async () => {
  for (const url of ['ftp://example.com/x', 'file:///etc/passwd', 'gopher://example.com/', 'javascript:alert(1)', 'not a url', '']) {
    const d = await checkDestination(url, { allowPrivateAddresses: true, allowedHosts: [] }, table({}));
    assert.equal(d.ok, false, url);
  }
});

test('a resolver failure is thrown for the caller to retry', async () => {
  await assert.rejects(checkDestination('https://nowhere.example/', closed, table({})), /ENOTFOUND/);
});
