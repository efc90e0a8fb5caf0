// The binding's plain Node-API calls (crates/node/src/raw_call.rs), which rsnet's own JS
// makes per message and per connection, fail safely when misused: an argument of the
// wrong type is a TypeError, and an id that names no socket (never taken, or already
// closed) answers like a closed socket instead of touching anything. rsnet only: they
// are internal, and node:net has nothing like them.
import test from 'ava';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const native = require('../dist/native.js');
const { EBADF } = require('../dist/constants.js');
const calls = native.socketCalls;
const NO_SUCH_SOCKET = 0x7fff_fff0;
const WRONG_TYPE = { instanceOf: TypeError, message: 'rsnet: a native call got an argument of the wrong type' };

test('an argument of the wrong type is a TypeError, not a crash', (t) => {
  t.throws(() => calls.write('not an id', Buffer.from('x')), WRONG_TYPE);
  t.throws(() => calls.write(NO_SUCH_SOCKET, 'not a Buffer'), WRONG_TYPE);
  t.throws(() => calls.writev(NO_SUCH_SOCKET, 'not an array'), WRONG_TYPE);
  t.throws(() => calls.writev(NO_SUCH_SOCKET, [Buffer.from('x'), 'not a Buffer']), WRONG_TYPE);
  t.throws(() => calls.consumed(), WRONG_TYPE);
  t.throws(() => calls.setFlowing(NO_SUCH_SOCKET, 'yes'), WRONG_TYPE);
  t.throws(() => native.pollInto([0, 0, 0, 0], Buffer.alloc(16)), WRONG_TYPE);
  t.throws(() => native.pollInto(new Uint32Array(4), Buffer.alloc(16)), WRONG_TYPE);
});

test('an id that names no socket answers like a closed socket', (t) => {
  t.is(calls.write(NO_SUCH_SOCKET, Buffer.from('x')), -EBADF);
  t.is(calls.writev(NO_SUCH_SOCKET, [Buffer.from('x')]), -EBADF);
  t.is(calls.shutdownNow(NO_SUCH_SOCKET), EBADF);
  t.is(calls.pipeTo(NO_SUCH_SOCKET, NO_SUCH_SOCKET), false);
  t.is(calls.pipedIn(NO_SUCH_SOCKET), 0);
  t.is(calls.pipedOut(NO_SUCH_SOCKET), 0);
  t.is(calls.accepted(NO_SUCH_SOCKET), false);
  for (const name of ['touch', 'readStart', 'readStop', 'close', 'reset', 'forget', 'unpipe']) {
    t.is(calls[name](NO_SUCH_SOCKET), undefined, name);
  }
  t.is(calls.consumed(NO_SUCH_SOCKET, 10), undefined);
  t.is(calls.setTimeout(NO_SUCH_SOCKET, 100), undefined);
});
