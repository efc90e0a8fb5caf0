// Differential tests: rsnet's isIP / isIPv4 / isIPv6 give node:net's answer
// for every input, from a hand-written table, a systematic enumeration and a
// seeded structured fuzz.

import test from 'ava';
import { createRequire } from 'node:module';
import net from 'node:net';

const require = createRequire(import.meta.url);
const ip = require('../dist/ip.js');

function compare(t, inputs) {
  let mismatches = 0;
  for (const input of inputs) {
    const expected = [net.isIP(input), net.isIPv4(input), net.isIPv6(input)];
    const actual = [ip.isIP(input), ip.isIPv4(input), ip.isIPv6(input)];
    if (expected.join() !== actual.join()) {
      mismatches++;
      if (mismatches <= 20) t.fail(`${JSON.stringify(String(input))}: node ${expected} rsnet ${actual}`);
    }
  }
  t.is(mismatches, 0);
}

const TABLE = [
  // IPv4
  '0.0.0.0', '1.2.3.4', '127.0.0.1', '255.255.255.255', '192.168.1.1', '10.0.0.255', '9.99.199.249',
  '256.1.1.1', '1.256.1.1', '1.1.1.256', '300.1.1.1', '999.1.1.1', '1000.1.1.1', '-1.1.1.1',
  '01.2.3.4', '1.02.3.4', '1.2.03.4', '1.2.3.04', '00.0.0.0', '0.0.0.00', '001.2.3.4', '1.2.3.000',
  '1.2.3', '1.2', '1', '1.2.3.4.5', '1.2.3.', '.1.2.3', '1..2.3', '1.2.3.4.', '....', '...',
  ' 1.2.3.4', '1.2.3.4 ', '1.2.3.4\n', '\n1.2.3.4', '1.2.3.4\t', '1.2.3.4\0', '1 .2.3.4',
  '1.2.3.4/24', '1.2.3.4:80', '0x1.2.3.4', '0x7f.0.0.1', '1e1.2.3.4', '+1.2.3.4', '1.2.3.-4',
  '١.٢.٣.٤', '１.２.３.４', '1.2.3.4%eth0', '1.2.3.a', 'a.b.c.d', '2130706433', '127.1',
  // IPv6: full, compressed, mixed
  '::', '::1', '1::', '1::1', '::ffff:1.2.3.4', '::ffff:127.0.0.1', '::1.2.3.4', '::ffff:0.0.0.0',
  '1:2:3:4:5:6:7:8', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF',
  'fe80::', 'fe80::1', 'FE80::1', 'fE80::aBcD', '2001:db8::1', '2001:0db8:0000:0000:0000:0000:0000:0001',
  '2001:db8:0:0:0:0:2:1', '2001:db8::2:1', '2001:db8:85a3::8a2e:370:7334', '0:0:0:0:0:0:0:0', '0:0:0:0:0:0:0:1',
  '1:2:3:4:5:6:7::', '::2:3:4:5:6:7:8', '1::3:4:5:6:7:8', '1:2::4:5:6:7:8', '1:2:3::5:6:7:8',
  '1:2:3:4::6:7:8', '1:2:3:4:5::7:8', '1:2:3:4:5:6::8', '1::2:3:4:5:6:7', '1::2:3:4:5:6:7:8',
  '::1:2:3:4:5:6:7', '::1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8::', '::1:2:3:4:5:6:7::',
  '1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5::1.2.3.4', '1:2:3:4::5:1.2.3.4', '1:2:3::4:5:1.2.3.4',
  '1::2:3:4:5:1.2.3.4', '::1:2:3:4:5:1.2.3.4', '::1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6::1.2.3.4',
  '1:2:3:4:5:6:7:1.2.3.4', '1:2:3:4:5:1.2.3.4', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:',
  ':1:2:3:4:5:6:7', ':1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8:', ':::', '::::', ':', '1:', ':1', '1::2::3',
  '1:::2', ':::1', '1:::', '::1::', '12345::', '::12345', '1:2:3:4:5:6:7:12345', 'g::', '::g', 'fffg::1',
  '::ffff:1.2.3', '::ffff:1.2.3.4.5', '::ffff:256.1.1.1', '::ffff:01.2.3.4', '1.2.3.4::', '1.2.3.4::1',
  '::1.2.3.4:1', '::1.2.3.4%1', '[::1]', '[::1]:80', '::1 ', ' ::1', '::1\n', 'ffff::1.2.3.4.5',
  // zone ids
  'fe80::1%eth0', 'fe80::1%1', 'fe80::1%', 'fe80::1%%', 'fe80::1%eth0%', 'fe80::1%a-b', 'fe80::1%a.b',
  'fe80::1%a:b', 'fe80::1%a_b', 'fe80::1%a b', 'fe80::1%a/b', 'fe80::1%é', 'fe80::1%A-Z.0-9:az',
  '::%1', '::1%lo', '1:2:3:4:5:6:7:8%x', '1:2:3:4:5:6:1.2.3.4%eth0', '%eth0', '%', '1.2.3.4%x',
  'fe80::1%1.2.3.4', 'fe80::1%::', 'fe80::1%-', 'fe80::1%.', 'fe80::1%:',
  // documentation / special-purpose ranges and their misspellings
  '192.0.2.1', '198.51.100.7', '203.0.113.255', '169.254.0.1', '224.0.0.251', '100.64.0.0',
  '192.0.2.1.', '192.0.2', '192.000.2.1', '192.0.2.1 ', '0.0.0.0.0', '255.255.255.256',
  '64:ff9b::192.0.2.33', '64:ff9b::c000:221', '2001:db8:122:344::192.0.2.33', '::ffff:c000:221',
  'ff02::1', 'ff02::1:ff00:1', 'fc00::', 'fd12:3456:789a:1::1', '2002:c000:0221::', '100::',
  '::ffff:0:1.2.3.4', '::ffff:0:0:1.2.3.4', '0:0:0:0:0:ffff:1.2.3.4', '0::ffff:1.2.3.4',
  '0000:0000:0000:0000:0000:0000:0000:0000', '00000::', '::00000', '0:0:0:0:0:0:0:0:0',
  'a:b:c:d:e:f:a:b', 'a:b:c:d:e:f:1.2.3.4', 'a:b:c:d:e::1.2.3.4', 'a::b::c', 'a:b:c:d:e:f:g:h',
  '1:2:3:4:5:6:7:8%', '1::%a', '1::%%a', '1::%a%', '::%', '::1%0', '::1%00', '::1%-1',
  'fe80::1%25eth0', 'fe80::1%eth0.100', 'fe80::1%eth0:1', 'fe80::1%tun-0',
  // not addresses
  '', ' ', '\t', '\n', 'undefined', 'null', 'localhost', 'example.com', 'a', '0', '00', '1.', '.',
  '0:0', 'x::', '::x', 'true', '[object Object]', 'Infinity', 'NaN',
];

test('hand-written table of addresses, near-misses and zone ids', (t) => {
  t.true(TABLE.length > 220, `table has ${TABLE.length} entries`);
  compare(t, TABLE);
});

test('non-string inputs are converted with ToString', (t) => {
  compare(t, [
    undefined, null, true, false, 0, 1, -1, 1.5, NaN, Infinity, 127.001, 2130706433, 10n,
    {}, [], [1, 2, 3, 4], ['1.2.3.4'], ['::1'], [[['::1']]], ['1', '2', '3', '4'],
    { toString: () => '::1' }, { toString: () => '1.2.3.4' }, { toString: () => 'x' },
    { valueOf: () => '1.2.3.4' }, { valueOf: () => '1.2.3.4', toString: () => '::1' },
    new String('1.2.3.4'), new String('fe80::1%eth0'), new Number(1), () => '1.2.3.4',
    Object.assign(Object.create(null), { toString: () => '::' }),
  ]);
});

test('non-convertible inputs throw the same TypeError', (t) => {
  const cases = [Symbol('x'), Object.create(null), { toString: () => ({}), valueOf: () => ({}) },
    { toString() { throw new RangeError('boom'); } }];
  for (const input of cases) {
    for (const name of ['isIP', 'isIPv4', 'isIPv6']) {
      const expected = t.throws(() => net[name](input));
      const actual = t.throws(() => ip[name](input));
      t.is(actual.constructor, expected.constructor);
      t.is(actual.message, expected.message);
    }
  }
});

test('an object is converted as many times as node:net converts it', (t) => {
  const counting = (value) => {
    const box = { calls: 0, toString() { box.calls++; return value; } };
    return box;
  };
  for (const value of ['1.2.3.4', '::1', 'nope']) {
    for (const name of ['isIP', 'isIPv4', 'isIPv6']) {
      const a = counting(value);
      const b = counting(value);
      net[name](a);
      ip[name](b);
      t.is(b.calls, a.calls, `${name}(${value})`);
    }
  }
});

test('very long strings', (t) => {
  compare(t, [
    '1'.repeat(100000), '1.'.repeat(50000), '::'.repeat(10000), `fe80::1%${'a'.repeat(100000)}`,
    `fe80::1%${'a'.repeat(100000)}_`, `${'1:'.repeat(7)}1${' '.repeat(1000)}`, `${'0'.repeat(1000)}.0.0.0`,
    `::ffff:${'1'.repeat(5000)}.2.3.4`, 'f'.repeat(100000),
  ]);
});

test('every octet value, every group width, and every "::" position', (t) => {
  const inputs = [];
  for (let o = 0; o < 1000; o++) {
    inputs.push(`${o}.0.0.0`, `1.2.3.${o}`, `0${o}.1.1.1`, `::ffff:1.2.${o}.4`);
  }
  const hexes = ['0', 'f', '0f', 'abc', 'ABCD', '0000', '12345', ''];
  for (const h of hexes) {
    for (let n = 0; n <= 10; n++) {
      const groups = Array(n).fill(h);
      inputs.push(groups.join(':'));
      for (let gap = 0; gap <= n; gap++) {
        const head = groups.slice(0, gap).join(':');
        const tail = groups.slice(gap).join(':');
        inputs.push(`${head}::${tail}`, `${head}::${tail}:1.2.3.4`, `${head}::${tail}%z`);
        if (tail) inputs.push(`${head}::${tail.replace(/[^:]+$/, '1.2.3.4')}`);
      }
    }
  }
  t.true(inputs.length > 5000);
  compare(t, inputs);
});

// xorshift32: deterministic, so a failure reproduces.
function rng(seed) {
  let x = seed >>> 0;
  return (n) => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x % n;
  };
}

test('structured fuzz: 300k near-valid addresses', (t) => {
  const rnd = rng(0x5eed1234);
  const HEX = '0123456789abcdefABCDEFg';
  const ZONE = 'aZ09-.:_%/ é';
  const octet = () => (rnd(10) < 7 ? String(rnd(256)) : [String(rnd(300)), `0${rnd(10)}`, '00', '', ' 1'][rnd(5)]);
  const quad = () => Array.from({ length: rnd(10) < 8 ? 4 : rnd(6) }, octet).join('.');
  const group = () => {
    const len = rnd(10) < 8 ? 1 + rnd(4) : rnd(6);
    let s = '';
    for (let i = 0; i < len; i++) s += HEX[rnd(rnd(10) < 9 ? 22 : 23)];
    return s;
  };
  const gen = () => {
    if (rnd(3) === 0) return quad();
    const n = rnd(10);
    const groups = Array.from({ length: n }, group);
    if (n > 0 && rnd(3) === 0) groups[n - 1] = quad();
    let s = groups.join(':');
    if (rnd(3) !== 0) {
      const parts = s.split(':');
      parts.splice(rnd(parts.length + 1), 0, '');
      s = parts.join(':');
      if (s.startsWith(':') && !s.startsWith('::')) s = `:${s}`;
      if (s.endsWith(':') && !s.endsWith('::')) s = `${s}:`;
    }
    if (rnd(5) === 0) {
      s += '%';
      for (let i = rnd(4); i > 0; i--) s += ZONE[rnd(ZONE.length)];
    }
    if (rnd(10) === 0) {
      const at = rnd(s.length + 1);
      s = s.slice(0, at) + ':.% '[rnd(4)] + s.slice(at);
    }
    return s;
  };
  const inputs = Array.from({ length: 300000 }, gen);
  const kinds = inputs.reduce((acc, s) => { acc[net.isIP(s)]++; return acc; }, { 0: 0, 4: 0, 6: 0 });
  // The generator must exercise all three answers substantially.
  t.true(kinds[0] > 20000 && kinds[4] > 20000 && kinds[6] > 20000, JSON.stringify(kinds));
  compare(t, inputs);
});

test('random printable strings', (t) => {
  const rnd = rng(42);
  const inputs = [];
  for (let i = 0; i < 50000; i++) {
    let s = '';
    for (let len = rnd(20); len > 0; len--) s += String.fromCharCode(32 + rnd(95));
    inputs.push(s);
  }
  compare(t, inputs);
});
