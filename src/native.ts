// The native binding (the napi-generated loader at the package root) and the
// constants shared with crates/reactor/src/event.rs.

// eslint-disable-next-line @typescript-eslint/no-var-requires
const binding = require('../index.js');

export const { Binding, ServerHandle } = binding;
/** libuv's kind of a descriptor: 'TCP', 'PIPE', 'TTY', 'FILE', 'UDP' or 'UNKNOWN'. */
export const guessHandleType: (fd: number) => string = binding.guessHandleType;
export const closeFd: (fd: number) => void = binding.closeFd;
export const fdIsOpen: (fd: number) => boolean = binding.fdIsOpen;
/** fcntl(F_GETFL) & O_ACCMODE: 0 read-only, 1 write-only, 2 read-write, -1 closed. */
export const fdAccessMode: (fd: number) => number = binding.fdAccessMode;
export const setIoThreads: (n: number) => boolean = binding.setIoThreads;

/** Words per event record: [id, kind, a, b]. */
export const RECORD_WORDS = 4;

/** Event kinds (crates/reactor/src/event.rs `EventKind`). */
export const EV_CONNECTED = 1;
export const EV_DATA = 2;
export const EV_EOF = 3;
export const EV_ERROR = 4;
export const EV_WRITE_DONE = 5;
export const EV_TIMEOUT = 6;
export const EV_ACCEPTED = 7;
export const EV_SHUTDOWN_DONE = 8;
export const EV_FD = 9;
export const EV_CLOSED = 10;

/** Syscalls named by error records (crates/reactor/src/event.rs `Syscall`). */
export const SYSCALL_NAMES: Record<number, string> = {
  1: 'connect',
  2: 'read',
  3: 'write',
  4: 'bind',
  5: 'accept',
  6: 'shutdown',
  7: 'listen',
};
