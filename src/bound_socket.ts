// net.BoundSocket (Node 24.21+ and 26): a socket bound now, on the JS thread, so that a
// port or path in use throws here, and listened on or connected from later:
// `server.listen(bound)` or `listen({ handle: bound })`, and `new Socket({ handle:
// bound })` then `connect()`. The descriptor is the BoundSocket's until one of them
// adopts it (then address(), fd() and close() throw ERR_SOCKET_HANDLE_ADOPTED) or it
// is closed. Moving one to a worker thread (Node 26's postMessage transfer) is not
// done: rsnet's BoundSocket is an ordinary object there.

import * as fs from 'fs';
import { NODE_MAJOR, NODE_MINOR, DEFAULT_IPV4_ADDR, DEFAULT_IPV6_ADDR, EACCES, ENOENT } from './constants';
import {
  ERR_INVALID_ARG_VALUE,
  ERR_SOCKET_HANDLE_ADOPTED,
  errnoException,
  exceptionWithHostPort,
} from './errors';
import { isIP } from './ip';
import { closeFd, rareSocketCalls as calls } from './native';
import { validateBoolean, validateObject, validatePort, validateString } from './validate';

/**
 * Whether rsnet has BoundSocket: where the running Node's node:net has it (verified on
 * 24.21 and 26), except on Windows, where the reactor has no descriptors to bind ahead.
 */
export const HAS_BOUND_SOCKET = process.platform !== 'win32' && (NODE_MAJOR >= 25 || (NODE_MAJOR === 24 && NODE_MINOR >= 21));

/** Takes the descriptor over: `{ fd, path }`, after which the BoundSocket has none. */
export const kBoundSocketConsume = Symbol('kBoundSocketConsume');

/** What an adopter gets: the bound descriptor, and for a Unix socket its path. */
export interface BoundDescriptor {
  fd: number;
  path: string | undefined;
}

export class BoundSocket {
  #fd = -1;
  #address: Record<string, unknown> = {};
  #path: string | undefined;

  constructor(given: unknown = {}) {
    validateObject(given, 'options');
    const options: any = given;
    if (options.path !== undefined) {
      this.#bindPipe(options);
      return;
    }
    const port = validatePort(options.port ?? 0, 'options.port');
    const ipv6Only = options.ipv6Only ?? false;
    validateBoolean(ipv6Only, 'options.ipv6Only');
    const reusePort = options.reusePort ?? false;
    validateBoolean(reusePort, 'options.reusePort');
    let { host } = options;
    if (host === undefined || host === null) {
      host = ipv6Only ? DEFAULT_IPV6_ADDR : DEFAULT_IPV4_ADDR;
    } else {
      validateString(host, 'options.host');
      if (isIP(host) === 0) {
        throw new ERR_INVALID_ARG_VALUE('options.host', host,
          'must be a numeric IP address; net.BoundSocket does not perform DNS resolution');
      }
    }
    const fd: number = calls.bindTcp(host, port, ipv6Only, reusePort);
    if (fd < 0) throw exceptionWithHostPort(-fd, 'bind', host, port);
    this.#fd = fd;
    // Match node:net: the address is read once, a port 0 bind's port included.
    this.#address = calls.fdLocalAddress(fd) ?? {};
  }

  // Match node:net: a Unix path excludes the TCP options; an abstract name (a leading
  // NUL) is Linux's only.
  #bindPipe(options: any): void {
    const { path, host, port, ipv6Only, reusePort } = options;
    if (host !== undefined || port !== undefined || ipv6Only !== undefined || reusePort !== undefined) {
      throw new ERR_INVALID_ARG_VALUE('options', options, 'path is mutually exclusive with host, port, ipv6Only, and reusePort');
    }
    validateString(path, 'options.path');
    if (path[0] === '\0' && process.platform !== 'linux') {
      throw new ERR_INVALID_ARG_VALUE('options.path', path, 'abstract socket paths are only supported on Linux');
    }
    let fd: number = calls.bindUnix(path);
    // Match node:net (libuv's uv_pipe_bind): ENOENT is reported as EACCES.
    if (fd === -ENOENT) fd = -EACCES;
    if (fd < 0) throw errnoException(-fd, 'bind');
    this.#fd = fd;
    this.#path = path;
  }

  #check(): void {
    if (this.#fd < 0) throw new ERR_SOCKET_HANDLE_ADOPTED();
  }

  /** `{ address, family, port }`, or the path of a Unix socket (as Server.address()). */
  address(): unknown {
    this.#check();
    return this.#path ?? this.#address;
  }

  /** The descriptor; still the BoundSocket's (do not close it). */
  fd(): number {
    this.#check();
    return this.#fd;
  }

  /** Releases a socket nobody adopted (a Unix socket's file goes with it, as libuv's). */
  close(): void {
    this.#check();
    this.#release();
  }

  [Symbol.dispose](): void {
    if (this.#fd >= 0) this.#release();
  }

  get isPipe(): boolean {
    return this.#path !== undefined;
  }

  #release(): void {
    closeFd(this.#fd);
    this.#fd = -1;
    if (this.#path !== undefined && this.#path[0] !== '\0') {
      try {
        fs.unlinkSync(this.#path);
      } catch {
        // gone already
      }
    }
  }

  [kBoundSocketConsume](): BoundDescriptor {
    this.#check();
    const taken = { fd: this.#fd, path: this.#path };
    this.#fd = -1;
    return taken;
  }
}
