// The load drivers: how each scenario puts load on a running server, and what comes
// back. A driver gets the server's address and pid and the measured seconds, and
// resolves with a plain record (`bytes`, `messages`, `connections` or `requests`,
// `seconds`, `latency` in ns where measured); it rejects only when the server is
// broken (wrong bytes, refused or reset connections, errors instead of responses),
// never because it is slow.
//
// Everything but HTTP is driven by the Rust load generator (crates/loadgen), which
// verifies every byte it gets back; HTTP by wrk, which checks status codes.

import net from 'node:net';
import { cpuSeconds, rssBytes, runTool } from './processes.mjs';

/** Beyond the measured seconds: connects, drain, close (the loadgen allows 3 s). */
const SLACK_MS = 20_000;
/** Idle connections: the most the whole open-and-hold cycle may take. */
const IDLE_LIMIT_MS = 120_000;
/** After the idle connections are open: let the server finish what they started. */
const IDLE_SETTLE_MS = 1000;

const EXIT_REASONS = { 1: 'could not connect, or a connection failed', 2: 'bad arguments', 3: 'the server echoed wrong data' };

function addressArgs(address) {
  return address.path !== undefined ? ['--unix', address.path] : ['--port', String(address.port)];
}

function loadgenFailure(result, mode) {
  const why = result.signal ? `was killed by ${result.signal}` : `exited ${result.code} (${EXIT_REASONS[result.code] ?? 'unknown status'})`;
  const detail = result.stderr.trim() ? `: ${result.stderr.trim().split('\n').slice(-3).join(' | ')}` : '';
  return new Error(`rsnet-loadgen ${mode} ${why}${detail}`);
}

function lastJsonLine(stdout, tool) {
  const line = stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line);
  } catch (err) {
    throw new Error(`cannot parse ${tool}'s report ${JSON.stringify(line)}: ${err.message}`);
  }
}

/** Warnings the loadgen printed on a successful run are worth seeing, not fatal. */
function relayWarnings(stderr) {
  if (stderr.trim()) process.stderr.write(stderr.trimEnd().replace(/^/gm, '  loadgen: ') + '\n');
}

/** `rsnet-loadgen echo`: bulk, ping-pong and pipelined load, all verified. */
export function echoDriver({ connections, size, inflight, batch = false }) {
  const bytes = size % 1024 === 0 ? `${size / 1024} KiB` : `${size} B`;
  const describe = `${connections} connection${connections === 1 ? '' : 's'}, ${bytes} chunks, ${inflight} in flight${batch ? ', batched writes' : ''}`;
  const drive = async ({ bin, address, seconds }) => {
    const args = ['echo', ...addressArgs(address), '--connections', String(connections), '--size', String(size), '--inflight', String(inflight), '--seconds', String(seconds)];
    if (batch) args.push('--batch');
    const result = await runTool(bin, args, { timeoutMs: seconds * 1000 + SLACK_MS });
    if (result.code !== 0) throw loadgenFailure(result, 'echo');
    relayWarnings(result.stderr);
    const report = lastJsonLine(result.stdout, 'rsnet-loadgen');
    return { bytes: report.bytes, messages: report.messages, seconds: report.seconds, latency: report.latency_ns };
  };
  return { drive, describe };
}

/** `rsnet-loadgen churn`: connect → one round trip → close, in a loop per worker. */
export function churnDriver({ workers, size }) {
  const describe = `${workers} workers, each connect → ${size} B round trip → close`;
  const drive = async ({ bin, address, seconds }) => {
    const args = ['churn', ...addressArgs(address), '--connections', String(workers), '--size', String(size), '--seconds', String(seconds)];
    const result = await runTool(bin, args, { timeoutMs: seconds * 1000 + SLACK_MS });
    if (result.code !== 0) throw loadgenFailure(result, 'churn');
    relayWarnings(result.stderr);
    const report = lastJsonLine(result.stdout, 'rsnet-loadgen');
    return { connections: report.connections, seconds: report.seconds, latency: report.latency_ns };
  };
  return { drive, describe };
}

/** One connection, one byte there and back: the server's first-use costs happen now. */
function warmUp(address) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(address.path !== undefined ? { path: address.path } : { host: '127.0.0.1', port: address.port });
    const timer = setTimeout(() => socket.destroy(new Error('the server did not echo within 5 s')), 5000);
    socket.once('data', () => socket.end());
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`warm-up connection: ${err.message}`));
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.write('x');
  });
}

/**
 * `rsnet-loadgen idle`: opens `connections`, each proven live by a round trip, holds
 * them, and measures the server's resident memory before and while they are held. The
 * "before" is taken after one warm-up connection, so the server's one-time costs of a
 * first connection are not spread over the 10 000. The CPU reported is the server's
 * over the opening (accept + one round trip each).
 */
export function idleDriver({ connections, size }) {
  const describe = `${connections} connections opened (64 at a time, each with one ${size} B round trip) and held`;
  const drive = async ({ bin, address, pid }) => {
    await warmUp(address);
    await new Promise((r) => setTimeout(r, 200));
    const rssBefore = rssBytes(pid);
    const cpuBefore = cpuSeconds(pid);
    let held = null;
    let sampleError = null;
    const args = ['idle', ...addressArgs(address), '--connections', String(connections), '--size', String(size)];
    const result = await runTool(bin, args, {
      timeoutMs: IDLE_LIMIT_MS,
      stdin: 'pipe',
      onLine: (line, child) => {
        if (held) return;
        try {
          held = JSON.parse(line);
          held.cpu = cpuSeconds(pid) - cpuBefore;
        } catch (err) {
          sampleError = err;
          child.stdin.end();
          return;
        }
        setTimeout(() => {
          try {
            held.rssAfter = rssBytes(pid);
          } catch (err) {
            sampleError = new Error(`the server died while holding the connections (${err.message})`);
          }
          child.stdin.end(); // the loadgen lets go of the connections and exits
        }, IDLE_SETTLE_MS);
      },
    });
    if (result.code !== 0) throw loadgenFailure(result, 'idle');
    if (sampleError) throw sampleError;
    if (!held || held.rssAfter === undefined) throw new Error('rsnet-loadgen idle never reported its connections as open');
    relayWarnings(result.stderr);
    return {
      connections: held.connections,
      requested: held.requested,
      fdLimit: held.fd_limit,
      seconds: held.seconds,
      cpu: held.cpu,
      rssBefore,
      rssAfter: held.rssAfter,
      rssDelta: held.rssAfter - rssBefore,
    };
  };
  return { drive, describe };
}

const WRK_UNITS = { us: 1e3, ms: 1e6, s: 1e9, m: 60e9 };

/** wrk with --latency against the HTTP server: requests/s and latency quantiles. */
export function wrkDriver({ connections }) {
  const describe = `wrk, 1 thread, ${connections} keep-alive connections, GET /`;
  const drive = async ({ address, seconds }) => {
    // wrk takes whole seconds.
    const duration = Math.max(1, Math.round(seconds));
    const args = ['-t1', `-c${connections}`, `-d${duration}s`, '--latency', `http://127.0.0.1:${address.port}/`];
    const result = await runTool('wrk', args, { timeoutMs: duration * 1000 + SLACK_MS });
    if (result.code !== 0) throw new Error(`wrk ${result.signal ? `was killed by ${result.signal}` : `exited ${result.code}`}: ${result.stderr.trim() || result.stdout.trim()}`);
    const out = result.stdout;
    const requests = Number(/(\d+) requests in /.exec(out)?.[1]);
    const rate = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
    if (!Number.isFinite(requests) || !Number.isFinite(rate)) throw new Error(`cannot parse wrk's output:\n${out}`);
    const quantile = (q) => {
      const m = new RegExp(`^\\s+${q}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(out);
      return m ? Number(m[1]) * WRK_UNITS[m[2]] : NaN;
    };
    const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
    const [connect, read, write, timeout] = errors ? errors.slice(1).map(Number) : [0, 0, 0, 0];
    const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
    // Refused or reset connections and error statuses are a broken server; timeouts
    // (no answer within wrk's 2 s) are only slowness, and are reported, not failed.
    if (requests === 0 || connect + read + write > 0 || non2xx > 0) {
      throw new Error(`wrk: ${requests} requests, socket errors connect ${connect} read ${read} write ${write}, non-2xx ${non2xx}`);
    }
    return { requests, seconds: requests / rate, latency: { p50: quantile(50), p99: quantile(99) }, timeouts: timeout };
  };
  return { drive, describe };
}
