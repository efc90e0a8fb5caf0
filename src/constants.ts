// Numbers shared by socket.ts and server.ts. Error numbers are in the reactor's terms,
// so they compare equal to what it reports: on Unix the OS's own positive errno (from
// os.constants); on Windows, which has no POSIX errno for socket errors, libuv's own
// negative numbers (crates/reactor/src/sys/windows.rs), looked up by name.

import { constants } from 'os';
import { getSystemErrorMap } from 'util';

type ErrnoName = 'EADDRINUSE' | 'EALREADY' | 'EINVAL' | 'ENOENT' | 'EACCES' | 'EBADF' | 'ENOTCONN' | 'EPIPE' | 'ETIMEDOUT';

function reactorErrno(name: ErrnoName): number {
  if (process.platform !== 'win32') return constants.errno[name];
  for (const [uvErrno, [code]] of getSystemErrorMap()) {
    if (code === name) return uvErrno;
  }
  throw new Error(`rsnet: libuv has no error named ${name}`);
}

export const EADDRINUSE = reactorErrno('EADDRINUSE');
export const EALREADY = reactorErrno('EALREADY');
export const EINVAL = reactorErrno('EINVAL');
export const ENOENT = reactorErrno('ENOENT');
export const EACCES = reactorErrno('EACCES');
export const EBADF = reactorErrno('EBADF');
export const ENOTCONN = reactorErrno('ENOTCONN');
export const EPIPE = reactorErrno('EPIPE');
export const ETIMEDOUT = reactorErrno('ETIMEDOUT');

/** fcntl(F_GETFL) & O_ACCMODE values (the same on every POSIX system). */
export const O_RDONLY = 0;
export const O_WRONLY = 1;

/** Match node:net: the wildcard addresses for a bind without a host. */
export const DEFAULT_IPV4_ADDR = '0.0.0.0';
export const DEFAULT_IPV6_ADDR = '::';

/**
 * The running Node's major version. Where node:net's behaviour changed between
 * versions, rsnet follows the Node it runs on, as a drop-in must.
 */
export const NODE_MAJOR = Number(process.versions.node.split('.')[0]);
export const NODE_MINOR = Number(process.versions.node.split('.')[1]);
