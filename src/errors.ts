/**
 * Node-identical error objects.
 *
 * Two families live here:
 *
 * - "Code" errors (`ERR_*`): argument and state errors that node:net throws or
 *   emits. Each is a class whose instances have the same base class, `.code`,
 *   `.message`, `.name`, `String(err)`, first `err.stack` line and own-property
 *   order as Node's, so code that inspects them cannot tell the difference.
 * - System errors: built from the errno and syscall the reactor reports, with
 *   the exact message and own properties node:net gives its libuv failures.
 *
 * No message text is built ad hoc elsewhere in rsnet: callers use these.
 */

import { format, getSystemErrorMap, getSystemErrorName, inspect } from 'util';
import { NODE_MAJOR } from './constants';

// ---------------------------------------------------------------------------
// Code errors
// ---------------------------------------------------------------------------

/** The base classes Node's code errors derive from. */
type ErrorBase = ErrorConstructor | TypeErrorConstructor | RangeErrorConstructor;

/** An error carrying one of Node's stable `ERR_*` codes. */
export interface NodeCodeError extends Error {
  readonly code: string;
}

/** The constructor of one `ERR_*` code, taking that code's message arguments. */
export interface NodeErrorClass<A extends unknown[], E extends Error = Error> {
  new (...args: A): E & NodeCodeError;
  readonly prototype: E & NodeCodeError;
}

// Instances of our code classes, recognized by hideStackFrames() so it can
// re-capture their stack with the code still in the first line.
const codeErrors = new WeakSet<object>();

/**
 * Forces the first line of `err.stack` to read `TypeError [ERR_X]: message`.
 *
 * Match node:net: Node's own stack formatter special-cases its code errors;
 * we cannot hook that without replacing the process-wide
 * `Error.prepareStackTrace`, so we format the stack once while `name`
 * temporarily carries the code, then remove the own `name` so `err.name` is
 * the plain inherited `TypeError` again (as in Node) and `name` does not show
 * up among the own properties.
 */
function stampStack(err: Error, code: string, hideFrom?: Function): void {
  const baseName = err.name;
  // Match node:net: Node prints "Name [CODE]: " even for an empty message,
  // where V8 would drop the colon.
  err.name = err.message === '' ? `${baseName} [${code}]: ` : `${baseName} [${code}]`;
  if (hideFrom !== undefined) Error.captureStackTrace(err, hideFrom);
  // V8 formats the stack lazily, on first read: read it while the name is set.
  void err.stack;
  delete (err as { name?: string }).name;
}

/**
 * Defines the class for one code.
 *
 * `message` is either a fixed text / `util.format` template, or a function
 * called with the error as `this` (some codes also set extra properties).
 *
 * Match node:net: templates pass the message to the base constructor, so own
 * properties come out as `stack, message, code`; function messages are defined
 * after `code`, giving `stack, code, [extras,] message`. `code` is an own
 * enumerable property (the only one `Object.keys` shows); `message` is not
 * enumerable; `toString()` lives on the prototype; and `err.constructor` is
 * the plain base class (Node installs a getter for exactly that).
 */
function defineCode<A extends unknown[], E extends Error>(
  code: string,
  Base: ErrorBase,
  message: string | ((this: E & NodeCodeError, ...args: A) => string),
): NodeErrorClass<A, E> {
  const BaseCtor = Base as ErrorConstructor;
  let cls: Function;
  if (typeof message === 'function') {
    const build = message;
    cls = class NodeError extends BaseCtor {
      declare readonly code: string;
      constructor(...args: A) {
        super();
        Object.defineProperty(this, 'code', {
          value: code, enumerable: true, writable: true, configurable: true,
        });
        Object.defineProperty(this, 'message', {
          value: build.apply(this as never, args),
          enumerable: false, writable: true, configurable: true,
        });
        codeErrors.add(this);
        stampStack(this, code);
      }
    };
  } else {
    const template = message;
    const placeholders = (template.match(/%[dfijoOs]/g) ?? []).length;
    cls = class NodeError extends BaseCtor {
      declare readonly code: string;
      constructor(...args: A) {
        super(placeholders === 0 ? template : format(template, ...args.slice(0, placeholders)));
        Object.defineProperty(this, 'code', {
          value: code, enumerable: true, writable: true, configurable: true,
        });
        codeErrors.add(this);
        stampStack(this, code);
      }
    };
  }
  Object.defineProperty(cls.prototype, 'constructor', {
    get() { return Base; }, enumerable: false, configurable: true,
  });
  Object.defineProperty(cls.prototype, 'toString', {
    value: function toString(this: Error) { return `${this.name} [${code}]: ${this.message}`; },
    enumerable: false, writable: true, configurable: true,
  });
  return cls as unknown as NodeErrorClass<A, E>;
}

/**
 * Wraps a validator so that errors it throws point at the validator's caller,
 * not into rsnet, as Node's validators do; the code stays in the stack's first
 * line. Passes at most four arguments through.
 */
export function hideStackFrames<F extends (...args: any[]) => any>(fn: F): F {
  // Fixed arity: a rest-parameter wrapper costs an array per call on hot paths.
  // Passing `undefined` for absent arguments still triggers fn's defaults.
  function hidden(this: unknown, a?: unknown, b?: unknown, c?: unknown, d?: unknown) {
    try {
      return fn.call(this, a, b, c, d);
    } catch (err) {
      if (err instanceof Error && codeErrors.has(err) && Error.stackTraceLimit) {
        stampStack(err, (err as NodeCodeError).code, hidden);
      }
      throw err;
    }
  }
  Object.defineProperty(hidden, 'name', { value: fn.name });
  return hidden as unknown as F;
}

// -- message helpers ---------------------------------------------------------

// The primitive type names ERR_INVALID_ARG_TYPE prints as "of type x".
// Match node:net: 'Object' and 'Function' count as types (printed lower-case).
const typeNames = new Set([
  'string', 'function', 'number', 'object', 'Function', 'Object', 'boolean', 'bigint', 'symbol',
]);

function isClassName(s: string): boolean {
  return /^[A-Z][A-Za-z0-9]*$/.test(s);
}

/** `a`, `a or b`, `a, b, or c` (serial comma, as Node prints lists). */
function joinList(items: string[], conjunction: string): string {
  if (items.length <= 1) return items.length === 0 ? '' : items[0];
  if (items.length === 2) return `${items[0]} ${conjunction} ${items[1]}`;
  return `${items.slice(0, -1).join(', ')}, ${conjunction} ${items[items.length - 1]}`;
}

/**
 * Describes a received value the way Node's type errors do
 * (`type string ('x')`, `an instance of Foo`, `function f`, `null`...).
 */
export function describeReceived(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  switch (typeof value) {
    case 'bigint':
      return `type bigint (${value}n)`;
    case 'number':
      // Match node:net: -0 is printed as -0 (String() would say 0).
      return `type number (${Object.is(value, -0) ? '-0' : String(value)})`;
    case 'boolean':
      return `type boolean (${value})`;
    case 'symbol':
      return `type symbol (${String(value)})`;
    case 'function':
      // Match node:net: an anonymous function prints as "function " (trailing space).
      return `function ${(value as Function).name}`;
    case 'object': {
      const ctor = (value as { constructor?: unknown }).constructor;
      // Match node:net: on Node 26 a constructor with a non-empty string name wins;
      // before, any truthy constructor with a `name` key did, even a fake one (and a
      // truthy primitive `constructor` made the `in` test throw Node's TypeError,
      // which is not guarded against). Otherwise the object is inspected one level
      // shallow.
      const named = NODE_MAJOR >= 25
        ? typeof (ctor as { name?: unknown } | undefined)?.name === 'string' && (ctor as { name: string }).name !== ''
        : ctor && 'name' in (ctor as object);
      if (named) return `an instance of ${(ctor as { name: unknown }).name}`;
      return inspect(value, { depth: -1 });
    }
    case 'string': {
      // Match node:net: strings over 28 chars keep 25 and gain "...", and are
      // double-quoted (JSON) only when they contain a single quote.
      const shown = value.length > 28 ? `${value.slice(0, 25)}...` : value;
      return shown.includes("'") ? `type string (${JSON.stringify(shown)})` : `type string ('${shown}')`;
    }
    default: {
      let shown = inspect(value, { colors: false });
      if (shown.length > 28) shown = `${shown.slice(0, 25)}...`;
      return `type ${typeof value} (${shown})`;
    }
  }
}

/** `1234567` → `1_234_567`, for integers only (a leading `-` is kept apart). */
function groupDigits(digits: string): string {
  const sign = digits[0] === '-' ? '-' : '';
  let rest = sign ? digits.slice(1) : digits;
  const groups: string[] = [];
  while (rest.length > 3) {
    groups.unshift(rest.slice(-3));
    rest = rest.slice(0, -3);
  }
  groups.unshift(rest);
  return sign + groups.join('_');
}

function describeOutOfRange(input: unknown): string {
  // Match node:net: integers beyond ±2^32 (numbers and bigints) get digit
  // separators; everything else is util.inspect()ed.
  if (typeof input === 'number' && Number.isInteger(input) && Math.abs(input) > 2 ** 32) {
    return groupDigits(String(input));
  }
  if (typeof input === 'bigint') {
    const big = input > 2n ** 32n || input < -(2n ** 32n);
    return `${big ? groupDigits(String(input)) : String(input)}n`;
  }
  return inspect(input);
}

// -- the codes net needs -----------------------------------------------------

/** `The "port" argument must be of type number. Received ...` */
export const ERR_INVALID_ARG_TYPE = defineCode<[name: string, expected: string | string[], actual: unknown], TypeError>(
  'ERR_INVALID_ARG_TYPE', TypeError,
  (name, expected, actual) => {
    const wanted = Array.isArray(expected) ? expected : [expected];
    // Match node:net: 'first argument'-style names are used verbatim; dotted
    // names are "properties".
    let msg = name.endsWith(' argument')
      ? `The ${name} must be `
      : `The "${name}" ${name.includes('.') ? 'property' : 'argument'} must be `;

    const types: string[] = [];
    const instances: string[] = [];
    const other: string[] = [];
    for (const w of wanted) {
      if (typeNames.has(w)) types.push(w.toLowerCase());
      else if (isClassName(w)) instances.push(w);
      else other.push(w);
    }
    // Match node:net: when instances are listed, plain "object" moves among
    // them as "Object".
    if (instances.length > 0) {
      const i = types.indexOf('object');
      if (i !== -1) {
        types.splice(i, 1);
        instances.push('Object');
      }
    }
    if (types.length > 0) {
      msg += `${types.length > 1 ? 'one of type' : 'of type'} ${joinList(types, 'or')}`;
      if (instances.length > 0 || other.length > 0) msg += ' or ';
    }
    if (instances.length > 0) {
      msg += `an instance of ${joinList(instances, 'or')}`;
      if (other.length > 0) msg += ' or ';
    }
    if (other.length > 1) {
      msg += `one of ${joinList(other, 'or')}`;
    } else if (other.length === 1) {
      if (other[0].toLowerCase() !== other[0]) msg += 'an ';
      msg += other[0];
    }
    return `${msg}. Received ${describeReceived(actual)}`;
  },
);

function invalidArgValueMessage(name: string, value: unknown, reason = 'is invalid'): string {
  let shown = inspect(value);
  if (shown.length > 128) shown = `${shown.slice(0, 128)}...`;
  return `The ${name.includes('.') ? 'property' : 'argument'} '${name}' ${reason}. Received ${shown}`;
}

/** `The argument 'x' is invalid. Received ...` (reason optional). */
export const ERR_INVALID_ARG_VALUE = Object.assign(
  defineCode<[name: string, value: unknown, reason?: string], TypeError>(
    'ERR_INVALID_ARG_VALUE', TypeError, invalidArgValueMessage),
  {
    /** The same code as a RangeError, as Node also defines it. */
    RangeError: defineCode<[name: string, value: unknown, reason?: string], RangeError>(
      'ERR_INVALID_ARG_VALUE', RangeError, invalidArgValueMessage),
  },
);

/**
 * `The value of "x" is out of range. It must be <range>. Received <input>`;
 * with `replaceDefaultBoolean` the first sentence is `str` verbatim.
 */
export const ERR_OUT_OF_RANGE = defineCode<
  [str: string, range: string, input: unknown, replaceDefaultBoolean?: boolean], RangeError
>('ERR_OUT_OF_RANGE', RangeError, (str, range, input, replaceDefaultBoolean = false) => {
  const head = replaceDefaultBoolean ? str : `The value of "${str}" is out of range.`;
  return `${head} It must be ${range}. Received ${describeOutOfRange(input)}`;
});

/** `Port should be >= 0 and < 65536. Received type number (65536).` */
export const ERR_SOCKET_BAD_PORT = defineCode<[name: string, port: unknown, allowZero?: boolean], RangeError>(
  'ERR_SOCKET_BAD_PORT', RangeError,
  (name, port, allowZero = true) =>
    `${name} should be ${allowZero ? '>=' : '>'} 0 and < 65536. Received ${describeReceived(port)}.`,
);

/** `The "a" or "b" argument must be specified` (arrays are alternatives). */
export const ERR_MISSING_ARGS = defineCode<(string | string[])[], TypeError>(
  'ERR_MISSING_ARGS', TypeError,
  (...names) => {
    const quoted = names.map((n) => (Array.isArray(n) ? n.map((m) => `"${m}"`).join(' or ') : `"${n}"`));
    return `The ${joinList(quoted, 'and')} argument${names.length > 1 ? 's' : ''} must be specified`;
  },
);

/** Invalid address family: <family> <host>:<port>; also sets `host` and `port`. */
export const ERR_INVALID_ADDRESS_FAMILY = defineCode<[addressType: unknown, host: unknown, port: unknown], RangeError & { host: unknown; port: unknown }>(
  'ERR_INVALID_ADDRESS_FAMILY', RangeError,
  function (addressType, host, port) {
    // Match node:net: host and port are own enumerable properties, set
    // between `code` and `message`.
    this.host = host;
    this.port = port;
    return `Invalid address family: ${addressType} ${host}:${port}`;
  },
);

export const ERR_INVALID_IP_ADDRESS = defineCode<[ip: unknown], TypeError>(
  'ERR_INVALID_IP_ADDRESS', TypeError, 'Invalid IP address: %s');
export const ERR_IP_BLOCKED = defineCode<[ip: string], Error>(
  'ERR_IP_BLOCKED', Error, function (ip) { return `IP(${ip}) is blocked by net.BlockList`; });
export const ERR_INVALID_FD_TYPE = defineCode<[type: unknown], TypeError>(
  'ERR_INVALID_FD_TYPE', TypeError, 'Unsupported fd type: %s');
export const ERR_INVALID_HANDLE_TYPE = defineCode<[], TypeError>(
  'ERR_INVALID_HANDLE_TYPE', TypeError, 'This handle type cannot be sent');
export const ERR_INVALID_THIS = defineCode<[type: string], TypeError>(
  'ERR_INVALID_THIS', TypeError, 'Value of "this" must be of type %s');
export const ERR_SERVER_ALREADY_LISTEN = defineCode<[], Error>(
  'ERR_SERVER_ALREADY_LISTEN', Error, 'Listen method has been called more than once without closing.');
export const ERR_SERVER_NOT_RUNNING = defineCode<[], Error>(
  'ERR_SERVER_NOT_RUNNING', Error, 'Server is not running.');
export const ERR_SOCKET_HANDLE_ADOPTED = defineCode<[], Error>(
  'ERR_SOCKET_HANDLE_ADOPTED', Error, 'The bound socket has already been adopted by a server or socket');
export const ERR_SOCKET_CLOSED = defineCode<[], Error>(
  'ERR_SOCKET_CLOSED', Error, 'Socket is closed');
export const ERR_SOCKET_CLOSED_BEFORE_CONNECTION = defineCode<[], Error>(
  'ERR_SOCKET_CLOSED_BEFORE_CONNECTION', Error, 'Socket closed before the connection was established');
/** Emitted when every autoSelectFamily attempt timed out (Node >= 20). */
export const ERR_SOCKET_CONNECTION_TIMEOUT = defineCode<[], Error>(
  'ERR_SOCKET_CONNECTION_TIMEOUT', Error, 'Socket connection timeout');
/** `Cannot call <method> after a stream was destroyed` */
export const ERR_STREAM_DESTROYED = defineCode<[method: string], Error>(
  'ERR_STREAM_DESTROYED', Error, 'Cannot call %s after a stream was destroyed');
export const ERR_STREAM_WRITE_AFTER_END = defineCode<[], Error>(
  'ERR_STREAM_WRITE_AFTER_END', Error, 'write after end');

/** Every code class, keyed by code (mirrors the shape of Node's `codes`). */
export const codes = {
  ERR_INVALID_ADDRESS_FAMILY,
  ERR_INVALID_ARG_TYPE,
  ERR_INVALID_ARG_VALUE,
  ERR_INVALID_FD_TYPE,
  ERR_INVALID_HANDLE_TYPE,
  ERR_INVALID_IP_ADDRESS,
  ERR_INVALID_THIS,
  ERR_IP_BLOCKED,
  ERR_MISSING_ARGS,
  ERR_OUT_OF_RANGE,
  ERR_SERVER_ALREADY_LISTEN,
  ERR_SERVER_NOT_RUNNING,
  ERR_SOCKET_BAD_PORT,
  ERR_SOCKET_CLOSED,
  ERR_SOCKET_HANDLE_ADOPTED,
  ERR_SOCKET_CLOSED_BEFORE_CONNECTION,
  ERR_SOCKET_CONNECTION_TIMEOUT,
  ERR_STREAM_DESTROYED,
  ERR_STREAM_WRITE_AFTER_END,
} as const;

// ---------------------------------------------------------------------------
// System errors
// ---------------------------------------------------------------------------

/** A libuv-style system error as node:net emits it. */
export interface SystemError extends Error {
  errno: number;
  code: string;
  syscall: string;
  address?: string;
  port?: number;
  localAddress?: string;
  localPort?: number;
  hostname?: string;
}

/**
 * Converts the errno the reactor reports into the libuv errno Node exposes.
 *
 * Match node:net: `err.errno` is libuv's negative number (-111 for
 * ECONNREFUSED on Linux), which on Unix is the negated OS errno. The reactor
 * reports the positive OS value; values already negative pass through.
 */
export function toUvErrno(errno: number): number {
  return errno > 0 ? -errno : errno;
}

/**
 * The libuv errno for a code name (`'ECONNREFUSED'` → -111 on Linux), for
 * platforms where the reactor reports a name rather than a Unix errno.
 * Returns undefined for names this libuv does not know.
 */
export function uvErrnoFromCode(code: string): number | undefined {
  for (const [errno, [name]] of systemErrorMap()) {
    if (name === code) return errno;
  }
  return undefined;
}

let errorMap: Map<number, [string, string]> | undefined;
function systemErrorMap(): Map<number, [string, string]> {
  errorMap ??= getSystemErrorMap();
  return errorMap;
}

function systemCodeName(uvErrno: number): string {
  // util.getSystemErrorName() throws on non-negative input; the reactor never
  // reports 0 as a failure, but stay total rather than throw while building
  // an error.
  return uvErrno < 0 ? getSystemErrorName(uvErrno) : `Unknown system error ${uvErrno}`;
}

/**
 * System errors share one shape: a plain-looking Error whose own properties
 * are assigned in Node's order, and whose `constructor` reads as `Error`.
 */
class NodeSystemError extends Error {}
Object.defineProperty(NodeSystemError.prototype, 'constructor', {
  get() { return Error; }, enumerable: false, configurable: true,
});

function addressDetails(address: string | null | undefined, port: number | null | undefined): string {
  // Match node:net: the port shows only when positive (a pipe's -1 and an
  // unset 0 are left out); a missing address leaves no trailing space.
  if (port && port > 0) return ` ${address}:${port}`;
  if (address) return ` ${address}`;
  return '';
}

/**
 * `read ECONNRESET` — an I/O failure with no address (read, shutdown, accept,
 * open...). Own properties: errno, code, syscall.
 *
 * @param errno OS errno from the reactor (positive) or libuv errno (negative).
 * @param original appended after the code when given, as Node does.
 */
export function errnoException(errno: number, syscall: string, original?: string): SystemError {
  const uv = toUvErrno(errno);
  const code = systemCodeName(uv);
  const err = new NodeSystemError(original ? `${syscall} ${code} ${original}` : `${syscall} ${code}`) as SystemError;
  err.errno = uv;
  err.code = code;
  err.syscall = syscall;
  return err;
}

/**
 * `connect ECONNREFUSED 127.0.0.1:1` (and `- Local (addr:port)` when
 * `additional` is given): connect and bind failures.
 * Own properties: errno, code, syscall, address, then port only if truthy.
 */
export function exceptionWithHostPort(
  errno: number, syscall: string, address: string | null | undefined,
  port?: number | null, additional?: string,
): SystemError {
  const uv = toUvErrno(errno);
  const code = systemCodeName(uv);
  let details = addressDetails(address, port);
  if (additional) details += ` - Local (${additional})`;
  const err = new NodeSystemError(`${syscall} ${code}${details}`) as SystemError;
  err.errno = uv;
  err.code = code;
  err.syscall = syscall;
  // Match node:net: `address` is always an own property, even when null.
  err.address = address as string;
  if (port) err.port = port;
  return err;
}

/**
 * `listen EADDRINUSE: address already in use :::8080` — listen failures, whose
 * message includes libuv's description. Own properties: code, errno, syscall,
 * address, then port only if truthy (a pipe's -1 included).
 */
export function uvExceptionWithHostPort(
  errno: number, syscall: string, address: string | null | undefined, port?: number | null,
): SystemError {
  const uv = toUvErrno(errno);
  // Match node:net: errnos libuv cannot name read as UNKNOWN / unknown error.
  const [code, description] = systemErrorMap().get(uv) ?? ['UNKNOWN', 'unknown error'];
  const err = new NodeSystemError(`${syscall} ${code}: ${description}${addressDetails(address, port)}`) as SystemError;
  err.code = code;
  err.errno = uv;
  err.syscall = syscall;
  err.address = address as string;
  if (port) err.port = port;
  return err;
}

/**
 * The error a failed TCP/pipe connect emits: `connect ECONNREFUSED 1.2.3.4:80`.
 *
 * Match node:net: when the socket was bound (both localAddress and localPort
 * truthy) the message gains `- Local (addr:port)` and the error gains
 * `localAddress` / `localPort` own properties after `port`. For pipes pass the
 * path as `address` and no port.
 */
export function connectException(
  errno: number, address: string, port?: number,
  localAddress?: string | null, localPort?: number | null,
): SystemError {
  const details = localAddress && localPort ? `${localAddress}:${localPort}` : undefined;
  const err = exceptionWithHostPort(errno, 'connect', address, port, details);
  if (details) {
    err.localAddress = localAddress as string;
    err.localPort = localPort as number;
  }
  return err;
}

/**
 * A resolver failure shaped like Node's (`getaddrinfo ENOTFOUND example.invalid`).
 *
 * net.connect() emits dns.lookup()'s error unchanged, so a socket using
 * `dns.lookup` (or a user `lookup`) needs nothing from here; this is for a
 * resolver that reports natively.
 *
 * @param code libuv errno (e.g. -3008) or a code string.
 * Match node:net: EAI_NODATA and EAI_NONAME both read as the made-up code
 * ENOTFOUND; `errno` is undefined when a string code is given; `hostname`
 * is set only when truthy.
 */
export function dnsException(code: number | string, syscall: string, hostname?: string): SystemError {
  let errno: number | undefined;
  let name: string;
  if (typeof code === 'number') {
    errno = code;
    const uvName = code < 0 ? systemErrorMap().get(code)?.[0] : undefined;
    name = uvName === 'EAI_NODATA' || uvName === 'EAI_NONAME'
      ? 'ENOTFOUND'
      : systemCodeName(code);
  } else {
    name = code;
  }
  const err = new NodeSystemError(`${syscall} ${name}${hostname ? ` ${hostname}` : ''}`) as SystemError;
  err.errno = errno as number;
  err.code = name;
  err.syscall = syscall;
  if (hostname) err.hostname = hostname;
  return err;
}

/**
 * What net.connect() emits when the host lookup fails: the lookup's error
 * itself. Match node:net: Node neither wraps nor edits it (the `hostname`,
 * `errno`, `code` and `syscall` come from dns.lookup).
 */
export function lookupErrorForConnect<E>(lookupError: E): E {
  return lookupError;
}

class NodeAggregate extends AggregateError {}
Object.defineProperty(NodeAggregate.prototype, 'constructor', {
  get() { return AggregateError; }, enumerable: false, configurable: true,
});

/**
 * The error a socket is destroyed with when every autoSelectFamily attempt
 * failed: an AggregateError of the per-address errors.
 *
 * Match node:net: empty message, `errors` as given, `code` copied from the
 * first error, `constructor` reads as AggregateError, and the stack's first
 * line carries the code like a code error (`AggregateError [ECONNREFUSED]: `).
 */
export function aggregateErrors(errors: Error[]): AggregateError & { code?: string } {
  const err = new NodeAggregate(errors) as AggregateError & { code?: string };
  err.code = (errors[0] as { code?: string } | undefined)?.code;
  stampStack(err, String(err.code));
  return err;
}
