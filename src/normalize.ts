/**
 * Overload resolution for connect() and listen(), with node:net's quirks.
 *
 * net.connect / socket.connect / server.listen accept several argument
 * shapes; Node folds them into an options object in one shared step and then
 * validates the options at specific points of each method. This file holds
 * both halves as pure functions (apart from the option-object mutations Node
 * itself makes), so socket.ts and server.ts only have to call them at the
 * right moment between their own side effects.
 */

import { NODE_MAJOR } from './constants';
import { lookup as dnsLookup, ADDRCONFIG } from 'dns';
import {
  ERR_INVALID_ARG_TYPE,
  ERR_INVALID_ARG_VALUE,
  ERR_INVALID_IP_ADDRESS,
} from './errors';
import { isIP } from './ip';
import {
  validateAbortSignal,
  validateBoolean,
  validateFunction,
  validateInt32,
  validateNumber,
  validatePort,
} from './validate';

// ---------------------------------------------------------------------------
// Shared argument normalization
// ---------------------------------------------------------------------------

/**
 * Marks an array returned by normalizeArgs(), so Socket.prototype.connect can
 * accept `socket.connect(normalizeArgs(args))` without normalizing twice (as
 * net.connect() does).
 */
export const normalizedArgsSymbol: unique symbol = Symbol('normalizedArgs');

/** Options as the overloads produce them: the caller's own object, or a new one. */
export type NetOptions = Record<PropertyKey, any>;

/** `[options, callback]`, marked with normalizedArgsSymbol. */
export type NormalizedArgs = [options: NetOptions, callback: ((...args: any[]) => void) | null] & {
  [normalizedArgsSymbol]: true;
};

/** Whether `value` is an array normalizeArgs() produced. */
export function isNormalizedArgs(value: unknown): value is NormalizedArgs {
  return Array.isArray(value) && (value as Partial<NormalizedArgs>)[normalizedArgsSymbol] === true;
}

/**
 * `Number(x)` when that is a number >= 0, else false.
 * Match node:net: '' and false count as 0; NaN and negatives are refused.
 */
export function nonNegativeNumber(x: unknown): number | false {
  const n = Number(x);
  return n >= 0 ? n : false;
}

/**
 * Whether a connect/listen argument names a Unix socket / pipe path.
 * Match node:net: a string is a path only if it does not read as a
 * non-negative number, so '8080' and ' 80 ' are ports, '' is a (bad) port,
 * and '-1' or 'abc' are paths.
 */
export function isPipeName(s: unknown): s is string {
  return typeof s === 'string' && nonNegativeNumber(s) === false;
}

/**
 * Folds the argument shapes of connect() and listen() into `[options, cb]`:
 * `(options[, ...][, cb])`, `(path[, ...][, cb])`, `([port][, host][, ...][, cb])`.
 *
 * Match node:net:
 * - no arguments gives `[{}, null]`;
 * - any non-null object (arrays included) is used as the options object
 *   itself, not a copy;
 * - otherwise the first argument becomes `options.path` (see isPipeName) or
 *   `options.port` (whatever it is: undefined, null, a function...), and a
 *   string second argument becomes `options.host`;
 * - the callback is the last argument, if it is a function.
 */
export function normalizeArgs(args: readonly unknown[]): NormalizedArgs {
  let result: [NetOptions, ((...args: any[]) => void) | null];
  if (args.length === 0) {
    result = [{}, null];
  } else {
    const first = args[0];
    let options: NetOptions = {};
    if (typeof first === 'object' && first !== null) {
      options = first as NetOptions;
    } else if (isPipeName(first)) {
      options.path = first;
    } else {
      options.port = first;
      if (args.length > 1 && typeof args[1] === 'string') options.host = args[1];
    }
    const last = args[args.length - 1];
    result = [options, typeof last === 'function' ? (last as (...args: any[]) => void) : null];
  }
  (result as NormalizedArgs)[normalizedArgsSymbol] = true;
  return result as NormalizedArgs;
}

/** normalizeArgs() under the name socket code reads best with. */
export const normalizeConnectArgs = normalizeArgs;

// ---------------------------------------------------------------------------
// connect()
// ---------------------------------------------------------------------------

/** Process-wide defaults net.connect() falls back on (net.getDefaultAutoSelectFamily...). */
export interface ConnectDefaults {
  autoSelectFamily: boolean;
  autoSelectFamilyAttemptTimeout: number;
}

/** What to do for a TCP connect, once its options passed validation. */
export interface TcpConnectPlan {
  /** `options.host`, or 'localhost' when falsy. */
  host: string;
  /** The validated port as an int32 (0 when options.port was undefined). */
  port: number;
  /** 4 or 6 when `host` is an IP literal (connect without lookup), else 0. */
  addressType: 0 | 4 | 6;
  localAddress: string | undefined;
  localPort: number | undefined;
  autoSelectFamily: boolean;
  /** Clamped to at least 10 ms, as Node does. */
  autoSelectFamilyAttemptTimeout: number;
  /** `options.lookup`, or dns.lookup. Only meaningful when addressType is 0. */
  lookup: (...args: any[]) => void;
  /** The dns.lookup options Node passes; only set when addressType is 0. */
  dnsOptions?: { family: unknown; hints: number };
}

function socketToDnsFamily(family: unknown): unknown {
  if (family === 'IPv4') return 4;
  if (family === 'IPv6') return 6;
  return family;
}

/**
 * Validates the options of a TCP connect and resolves what to connect to.
 * Throws what net.connect() throws, in the same order:
 * ERR_INVALID_IP_ADDRESS (localAddress), ERR_INVALID_ARG_TYPE
 * (options.localPort, options.port), ERR_SOCKET_BAD_PORT,
 * options.autoSelectFamily / options.autoSelectFamilyAttemptTimeout errors,
 * then options.lookup (checked only when a lookup is needed).
 *
 * Call it where Node's Socket.prototype.connect validates: after registering
 * the connect callback, the ERR_MISSING_ARGS check and `connecting = true`.
 */
export function resolveTcpConnectOptions(options: NetOptions, defaults: ConnectDefaults): TcpConnectPlan {
  // Read each option once, as Node does (getters on the options object are
  // observable).
  const { localAddress, localPort } = options;
  const host: string = options.host || 'localhost';
  const { port: rawPort, autoSelectFamilyAttemptTimeout: rawTimeout, autoSelectFamily: rawFamily } = options;

  // Match node:net: both local options are checked only when truthy.
  if (localAddress && !isIP(localAddress)) throw new ERR_INVALID_IP_ADDRESS(localAddress);
  if (localPort) validateNumber(localPort, 'options.localPort');

  // Match node:net: an undefined port means 0; null (like any other
  // non-number, non-string) fails the type check before the range check.
  let port = 0;
  if (typeof rawPort !== 'undefined') {
    if (typeof rawPort !== 'number' && typeof rawPort !== 'string') {
      throw new ERR_INVALID_ARG_TYPE('options.port', ['number', 'string'], rawPort);
    }
    port = validatePort(rawPort);
  }

  let autoSelectFamily = defaults.autoSelectFamily;
  if (rawFamily != null) {
    validateBoolean(rawFamily, 'options.autoSelectFamily');
    autoSelectFamily = rawFamily;
  }

  let autoSelectFamilyAttemptTimeout = defaults.autoSelectFamilyAttemptTimeout;
  if (rawTimeout != null) {
    validateInt32(rawTimeout, 'options.autoSelectFamilyAttemptTimeout', 1);
    autoSelectFamilyAttemptTimeout = Math.max(rawTimeout, 10);
  }

  const plan: TcpConnectPlan = {
    host,
    port,
    addressType: isIP(host),
    localAddress,
    localPort,
    autoSelectFamily,
    autoSelectFamilyAttemptTimeout,
    lookup: dnsLookup,
  };
  if (plan.addressType !== 0) return plan;

  if (options.lookup != null) validateFunction(options.lookup, 'options.lookup');
  plan.lookup = options.lookup || dnsLookup;
  const dnsOptions = { family: socketToDnsFamily(options.family), hints: options.hints || 0 };
  // Match node:net: without an explicit family or hints, lookups ask only for
  // address families the host has configured (not on Windows).
  if (process.platform !== 'win32' && dnsOptions.family !== 4 && dnsOptions.family !== 6 && dnsOptions.hints === 0) {
    dnsOptions.hints = ADDRCONFIG;
  }
  plan.dnsOptions = dnsOptions;
  return plan;
}

// ---------------------------------------------------------------------------
// listen()
// ---------------------------------------------------------------------------

/** Listen on a handle object the server already owns (`listen(handle)`). */
export interface ListenOnHandle {
  kind: 'handle';
  handle: object;
  backlog: number;
}

/**
 * Listen on an inherited descriptor (`listen({ fd })`).
 * Match node:net: `fd` is only known to be a number >= 0; a fractional or
 * huge one is not thrown synchronously but makes the listen fail with
 * `listen EINVAL: invalid argument`, emitted as 'error'.
 */
export interface ListenOnFd {
  kind: 'fd';
  fd: number;
  backlog: number;
}

/** Listen on TCP. */
export interface ListenOnTcp {
  kind: 'tcp';
  port: number;
  /**
   * `options.host` when truthy, else null (listen on the unspecified
   * address). Not validated here: Node hands it to dns.lookup(), which throws
   * ERR_INVALID_ARG_TYPE ("hostname") for non-strings, synchronously.
   */
  host: unknown;
  backlog: number;
  exclusive: boolean;
  /**
   * Match node:net: honoured only together with a host; Node drops the flag
   * when listening on the unspecified address.
   */
  ipv6Only: boolean;
}

/** Listen on a Unix socket / pipe path. */
export interface ListenOnPath {
  kind: 'pipe';
  path: string;
  backlog: number;
  exclusive: boolean;
  readableAll: boolean;
  writableAll: boolean;
}

export type ListenTarget = ListenOnHandle | ListenOnFd | ListenOnTcp | ListenOnPath;

export interface ListenHooks {
  /** Whether `value` is a listenable handle of ours (Node: `instanceof TCP`). */
  isHandle(value: unknown): boolean;
  /**
   * Called with `options.signal` once validated, at the point Node attaches
   * its abort listener (later checks may still throw). Not called for handles
   * or when there is no signal.
   */
  onSignal?(signal: AbortSignal): void;
}

/**
 * Match node:net: the C++ listen() takes the backlog as an int32, and 0, ''
 * or a missing one mean the default 511 (a 512-entry queue once the kernel
 * rounds it).
 */
function effectiveBacklog(backlog: unknown): number {
  return ((backlog || 511) as number) | 0;
}

/**
 * Resolves `server.listen(...args)` into what to listen on, throwing what
 * Node throws for invalid options.
 *
 * Use it as Node's Server.prototype.listen orders things:
 * ```
 * const [options, cb] = normalizeArgs(args);
 * if (this._handle) throw new ERR_SERVER_ALREADY_LISTEN();
 * if (cb !== null) this.once('listening', cb);
 * const target = resolveListenTarget(args, options, hooks);
 * ```
 *
 * Match node:net:
 * - `options._handle || options.handle` replaces the options (so
 *   `listen(otherServer)` and `listen({ handle })` work);
 * - a backlog is read from the 2nd or 3rd argument when it reads as a number
 *   >= 0 (so `listen(port, host, backlog)` and `listen(port, backlog)` both
 *   work), and `options.backlog` wins over it except for handles and fds;
 * - `listen()`, `listen(null)`, `listen(cb)` and options whose `port` is
 *   present but undefined or null mean port 0, and that 0 is written back
 *   into the caller's options object;
 * - a numeric-string `path` ('8080') or an empty one is refused;
 * - an abstract socket path ('\0...') refuses readableAll/writableAll.
 */
export function resolveListenTarget(args: readonly unknown[], normalizedOptions: NetOptions, hooks: ListenHooks): ListenTarget {
  const fromArgs =
    nonNegativeNumber(args.length > 1 && args[1]) || nonNegativeNumber(args.length > 2 && args[2]);

  // `any`: this may be a primitive (listen({ handle: 5 })), on which Node
  // fails with the engine's own TypeError at the first `in` check below.
  const options: any = normalizedOptions._handle || normalizedOptions.handle || normalizedOptions;

  if (hooks.isHandle(options)) {
    return { kind: 'handle', handle: options, backlog: effectiveBacklog(fromArgs) };
  }

  if (options?.signal !== undefined) {
    validateAbortSignal(options.signal, 'options.signal');
    hooks.onSignal?.(options.signal);
  }

  if (typeof options.fd === 'number' && options.fd >= 0) {
    return { kind: 'fd', fd: options.fd, backlog: effectiveBacklog(fromArgs) };
  }

  if (args.length === 0 || typeof args[0] === 'function' ||
      (typeof options.port === 'undefined' && 'port' in options) ||
      options.port === null) {
    options.port = 0;
  }

  if (typeof options.port === 'number' || typeof options.port === 'string') {
    const port = validatePort(options.port, 'options.port');
    return {
      kind: 'tcp',
      port,
      host: options.host ? options.host : null,
      backlog: effectiveBacklog(options.backlog || fromArgs),
      exclusive: !!options.exclusive,
      // Match node:net: Node 20 honours ipv6Only only with a host; from Node 22 on,
      // also on the unspecified address.
      ipv6Only: options.host || NODE_MAJOR >= 22 ? options.ipv6Only === true : false,
    };
  }

  if (options.path && isPipeName(options.path)) {
    const readableAll = options.readableAll === true;
    const writableAll = options.writableAll === true;
    // Match node:net: checks the options' truthiness, and keeps Node's typo.
    if (options.path[0] === '\0' && (options.readableAll || options.writableAll)) {
      throw new ERR_INVALID_ARG_VALUE('options', options,
        'can not set readableAll or writableAllt to true when path is abstract unix socket');
    }
    return {
      kind: 'pipe',
      path: options.path,
      backlog: effectiveBacklog(options.backlog || fromArgs),
      exclusive: !!options.exclusive,
      readableAll,
      writableAll,
    };
  }

  if (!('port' in options || 'path' in options)) {
    throw new ERR_INVALID_ARG_VALUE('options', options, 'must have the property "port" or "path"');
  }
  throw new ERR_INVALID_ARG_VALUE('options', options);
}
