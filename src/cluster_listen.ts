// listen() in a cluster worker: the listening socket comes from the primary, as
// node:net's does (Node's cluster module, through `cluster._getServer`), so workers
// share one port, and the primary sees their listening and closing.
//
// The primary answers in one of two ways (its schedulingPolicy):
// - round-robin (the default except on Windows): it accepts, and hands each connection
//   to a worker over IPC as a libuv TCP handle. rsnet takes the descriptor (a copy;
//   libuv closes its own) and serves it like one its reactor accepted.
// - shared (SCHED_NONE): it sends the bound socket itself, and every worker accepts on
//   it. rsnet listens on a copy, and keeps libuv's handle until the server closes:
//   closing that handle is what tells the primary.
//
// Only TCP goes through the primary here; a worker's Unix-socket and listen({ fd })
// servers listen by themselves (node:net asks the primary for those too).

import { binding } from './dispatch';
import { closeFd, dupFd } from './native';

/** The fake handle Node's cluster module gives a worker for a round-robin server. */
interface RoundRobinFromPrimary {
  close(): void;
  ref(): void;
  unref(): void;
  getsockname?(out: Record<string, unknown>): number;
  onconnection?: (err: number, client: LibuvHandle) => void;
}

/** A libuv handle object of Node's (tcp_wrap): a connection, or a bound socket. */
interface LibuvHandle {
  fd: number;
  close(): void;
}

/** A listening handle as rsnet's Server holds it (see server.ts: id, close, address). */
export interface ClusterServerHandle {
  readonly id: number;
  readonly fd: number;
  close(): void;
  address(): unknown;
  ref(): void;
  unref(): void;
}

/**
 * Whether this process is a cluster worker. Node removes NODE_UNIQUE_ID once the worker
 * is set up, so the cluster module is asked; only a process with an IPC channel can be
 * a worker, so no other process loads it (the primary's half is not small).
 */
export function inClusterWorker(): boolean {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return typeof process.send === 'function' && require('cluster').isWorker === true;
}

/** Takes over the descriptor of a libuv handle (a copy), closing the handle; null if it cannot. */
function takeDescriptor(handle: LibuvHandle, close = true): number | null {
  const fd = typeof handle.fd === 'number' && handle.fd >= 0 ? dupFd(handle.fd) : -1;
  if (close) handle.close();
  return fd >= 0 ? fd : null;
}

/** A round-robin server: connections arrive from the primary, one by one. */
class RoundRobinHandle implements ClusterServerHandle {
  readonly id = 0;
  readonly fd = -1;

  constructor(
    private readonly fromPrimary: RoundRobinFromPrimary,
    onConnection: (socketId: number) => void,
  ) {
    fromPrimary.onconnection = (err, client) => {
      if (err) return;
      const fd = takeDescriptor(client);
      if (fd === null) return;
      const adopted = binding.adopt(fd);
      if (typeof adopted === 'number') {
        closeFd(fd);
        return;
      }
      onConnection(adopted.id);
    };
  }

  close(): void {
    this.fromPrimary.close();
  }

  /** Match node:net: the address the primary listens on. */
  address(): unknown {
    const out: Record<string, unknown> = {};
    if (!this.fromPrimary.getsockname || this.fromPrimary.getsockname(out) !== 0) return null;
    return out;
  }

  // Match node:net: the primary's fake handle keeps the worker alive (a timer) while ref'd.
  ref(): void {
    this.fromPrimary.ref();
  }

  unref(): void {
    this.fromPrimary.unref();
  }
}

/** A shared server: rsnet's listener on a copy of the primary's socket. */
class SharedHandle implements ClusterServerHandle {
  constructor(
    private readonly listener: { id: number; fd: number; close(): void; address(): unknown },
    private readonly fromPrimary: LibuvHandle,
  ) {}

  get id(): number {
    return this.listener.id;
  }

  get fd(): number {
    return this.listener.fd;
  }

  close(): void {
    this.listener.close();
    // Tells the primary (Node's cluster module wraps this close to send it).
    this.fromPrimary.close();
  }

  address(): unknown {
    return this.listener.address();
  }

  // Liveness is the reactor listener's, counted by the Server (holdRef/releaseRef).
  ref(): void {}
  unref(): void {}
}

/** What the Server asks the primary for (Node's `serverQuery`). */
export interface ServerQuery {
  address: string | null;
  port: number;
  addressType: number;
  fd: undefined;
  /** libuv's UV_TCP_IPV6ONLY (1) or 0. */
  flags: number;
  backlog: number;
}

/**
 * Asks the primary for the listening socket of `query`; `done` gets a libuv errno
 * (negative, from the primary) or the handle, as node:net's listenOnPrimaryHandle.
 * `onConnection` gets each connection a round-robin primary hands over, by socket id.
 */
export function listenViaPrimary(
  server: { _listeningId: number },
  query: ServerQuery,
  onConnection: (socketId: number) => void,
  done: (errno: number, handle: ClusterServerHandle | null) => void,
): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const cluster = require('cluster');
  const listeningId = server._listeningId;
  cluster._getServer(server, query, (errno: number, handle: any) => {
    // Match node:net: a listen() called off meanwhile (close(), or a newer listen())
    // gives the handle straight back.
    if (listeningId !== server._listeningId) {
      handle?.close();
      return;
    }
    if (errno) {
      done(errno, null);
      return;
    }
    if (typeof handle.fd !== 'number') {
      done(0, new RoundRobinHandle(handle, onConnection));
      return;
    }
    const fd = takeDescriptor(handle, false);
    const listener = fd === null ? null : binding.listenFd(fd, query.backlog, null);
    if (listener === null || typeof listener === 'number') {
      if (fd !== null && typeof listener === 'number') closeFd(fd);
      handle.close();
      done(-(typeof listener === 'number' ? listener : 9 /* EBADF */), null);
      return;
    }
    done(0, new SharedHandle(listener, handle));
  });
}
