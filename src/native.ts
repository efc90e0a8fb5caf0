// The native binding (the napi-generated loader at the package root) and the
// constants shared with crates/reactor/src/event.rs.

import { existsSync, readFileSync } from 'fs';
import { join, sep } from 'path';
import { NODE_MAJOR } from './constants';

const packageRoot = join(__dirname, '..');

/**
 * The generated loader (index.js) tries, for this platform's napi target T, the file
 * `rsnet.T.node` at the package root (a build from source) and then the optional
 * package `rsnet-T`. When both fail it throws "Cannot find native binding" with only
 * npm's optional-dependency bug as a hint. Turn that into one error that says which
 * platform this is, what was tried, why each failed, and what to do.
 */
function loadBinding(): any {
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    return require('../index.js');
  } catch (err) {
    throw noBindingError(err);
  }
}

/** The messages of the loader's error and its `cause` chain, oldest attempt first. */
function loaderMessages(err: unknown): string[] {
  const out: string[] = [];
  let e: any = (err as any)?.cause;
  for (let i = 0; e && i < 64; i++, e = e.cause) out.unshift(String(e.message ?? e));
  return out;
}

function noBindingError(loaderError: unknown): Error {
  let napiTarget: () => string | null = () => null;
  let libcOf: () => string | null = () => null;
  try {
    ({ napiTarget, libcOf } = require('../scripts/target.cjs'));
  } catch {
    // A package without scripts/ (an odd install) still gets the error below.
  }
  const pkg = readJson(join(packageRoot, 'package.json'));
  const version: string = pkg?.version ?? '?';
  const published = Object.keys(pkg?.optionalDependencies ?? {});
  const target = napiTarget();
  const libc = libcOf();
  const where = `${process.platform}-${process.arch}${libc ? ` (${libc})` : ''}`;
  const messages = loaderMessages(loaderError);
  const sourceCheckout = existsSync(join(packageRoot, 'src', 'native.ts'));
  const installScript = join(packageRoot, 'scripts', 'install.cjs');
  const buildLog = join(packageRoot, 'build-from-source.log');

  // Why one candidate failed: "not installed"/"not built" for the usual miss, else the
  // loader's own first line (a dlopen error, a wrong glibc, a version mismatch).
  const reason = (needles: string[], missing: string) => {
    const m = messages.find((msg) => needles.some((n) => msg.includes(n)));
    if (!m) return 'not tried';
    return m.startsWith('Cannot find module') ? missing : m.split('\n')[0];
  };

  const override = process.env.NAPI_RS_NATIVE_LIBRARY_PATH;
  const pkgName = `rsnet-${target}`;
  const hasPackage = target !== null && (published.length === 0 || published.includes(pkgName));
  const lines: string[] = [];
  if (override) {
    // The loader tries nothing else when this is set.
    lines.push(`rsnet could not load its native binding for ${where}. It tried only`
      + ` NAPI_RS_NATIVE_LIBRARY_PATH=${override}: ${messages[0]?.split('\n')[0] ?? 'failed'}`);
  } else if (!target) {
    lines.push(`rsnet has no native binding for ${where}: napi-rs has no target for this platform and architecture.`);
  } else {
    lines.push(`rsnet could not load its native binding for ${where}, napi target ${target}. It tried:`);
    if (hasPackage) {
      lines.push(`  - the prebuilt package ${pkgName}@${version} (an optional dependency of rsnet): `
        + reason([`'${pkgName}'`, `${sep}${pkgName}${sep}`], 'not installed'));
    } else {
      lines.push(`  - a prebuilt package: rsnet publishes none for ${target}, only for `
        + published.map((p) => p.slice('rsnet-'.length)).join(', '));
    }
    const local = join(packageRoot, `rsnet.${target}.node`);
    lines.push(`  - a build from source, ${local}: ${reason([`'./rsnet.${target}.node'`, local], 'not built')}`);
  }
  if (existsSync(buildLog)) {
    lines.push(`A build from source was tried at install time and failed; its log is ${buildLog}`);
  }
  lines.push('To fix it:');
  if (override) {
    lines.push('  - point NAPI_RS_NATIVE_LIBRARY_PATH at a loadable rsnet .node file, or unset it.');
  } else if (sourceCheckout) {
    lines.push('  - this is a source checkout: build the addon with `npm run build:native` (needs Rust: https://rustup.rs).');
  } else {
    if (hasPackage) {
      lines.push('  - reinstall rsnet with its optional dependencies: `npm install rsnet`, without --omit=optional or'
        + ' --no-optional (if node_modules or the lockfile came from another platform, delete both first); or');
    }
    lines.push('  - install Rust (https://rustup.rs), then build rsnet from source: `npm rebuild rsnet`'
      + ` (if your package manager skips install scripts, allow rsnet's), or \`node ${installScript}\`.`);
  }

  const error: Error & { code?: string; cause?: unknown } = new Error(lines.join('\n'));
  error.code = 'ERR_RSNET_NO_BINDING';
  error.cause = loaderError;
  return error;
}

function readJson(file: string): any {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

const binding = loadBinding();

// Match node:net: Linux abstract socket names as the running Node's libuv spells them
// (padded to the whole sun_path on Node 20, not from Node 22 on), so rsnet and node:net
// processes meet on the same names.
binding.setAbstractNamePadding(NODE_MAJOR < 22);
// Match node:net: a Unix socket path too long for sun_path is cut to fit it on Node 20
// and 22, and refused with EINVAL from Node 24 on.
binding.setLongPathTruncation(NODE_MAJOR < 24);
// Match libuv: before 1.52 a short read from a hung-up socket is its end of stream; from
// 1.52 (libuv/libuv#4997) the reset's error is read. By the libuv this Node has.
binding.setEofOnHangUp(libuvBefore(1, 52));

export const { Binding, ServerHandle } = binding;

/**
 * The calls made per message, batch or connection, as plain Node-API functions
 * (crates/node/src/raw_call.rs): the socket calls by socket id (see tcp_handle) and
 * pollInto (see dispatch).
 */
const rawCalls: any = {};
binding.installRawCalls(rawCalls);
export const socketCalls: any = rawCalls;
export const pollInto: (records: Int32Array, data: Buffer) => number = rawCalls.pollInto;
/** Fills a 'data' chunk from the data pollInto left in the binding (DATA_APART, or -1). */
export const copyData: (chunk: Buffer, offset: number) => void = rawCalls.copyData;
/** The records of a batch too large for pollInto's array (it answered -1). */
export const takeBatch: () => Int32Array | null = binding.takeBatch;
/** The other socket calls, by socket id. */
export const rareSocketCalls: any = binding;
/** libuv's kind of a descriptor: 'TCP', 'PIPE', 'TTY', 'FILE', 'UDP' or 'UNKNOWN'. */
export const guessHandleType: (fd: number) => string = binding.guessHandleType;
export const closeFd: (fd: number) => void = binding.closeFd;
/** A copy of `fd` (close-on-exec), or the negated errno. */
export const dupFd: (fd: number) => number = binding.dupFd;
export const fdIsOpen: (fd: number) => boolean = binding.fdIsOpen;
/** fcntl(F_GETFL) & O_ACCMODE: 0 read-only, 1 write-only, 2 read-write, -1 closed. */
export const fdAccessMode: (fd: number) => number = binding.fdAccessMode;
export const setIoThreads: (n: number) => boolean = binding.setIoThreads;

/** Set in pollInto's answer when the batch's data waits in the binding for copyData() (crates/node). */
export const DATA_APART: number = binding.DATA_APART;

/**
 * `b` of an EV_DATA record whose chunk the JS thread read straight into a Buffer of its
 * own (crates/reactor/src/event.rs `DATA_OWN`): the binding appended it to the array
 * given to `new Binding`, and the batch's data has none of its bytes.
 */
export const DATA_OWN = 1;

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
  // A connect that failed at once; the error's syscall is 'connect' (socket.ts).
  8: 'connect now',
};

/** Whether this Node's libuv (process.versions.uv) is older than major.minor. */
function libuvBefore(major: number, minor: number): boolean {
  const [a, b] = (process.versions.uv ?? '0.0').split('.').map(Number);
  return a < major || (a === major && b < minor);
}
