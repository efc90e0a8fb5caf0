// Numbers shared by socket.ts and server.ts. Errno values come from the running
// platform (os.constants), since the reactor reports the OS's own positive errno.

import { constants } from 'os';

export const { EADDRINUSE, EINVAL, ENOENT, EACCES, EBADF, ENOTCONN, EPIPE, ETIMEDOUT } = constants.errno;

/** fcntl(F_GETFL) & O_ACCMODE values (the same on every POSIX system). */
export const O_RDONLY = 0;
export const O_WRONLY = 1;

/** Match node:net: the wildcard addresses for a bind without a host. */
export const DEFAULT_IPV4_ADDR = '0.0.0.0';
export const DEFAULT_IPV6_ADDR = '::';
