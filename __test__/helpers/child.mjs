// Child processes for end-to-end tests: spawn, read JSON lines, wait for
// exit with a guard, kill by pid.
import { spawn, execFileSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { implSpecifier } from './impl.mjs';

export function spawnNode(which, script, args = [], opts = {}) {
  const child = spawn(process.execPath, [script, ...args.map(String)], {
    env: { ...process.env, RSNET_NET_MODULE: implSpecifier(which), ...(opts.env || {}) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return watchChild(child);
}

/**
 * Follows a spawned child (stdio all 'pipe'): its stdout as JSON lines (a line that is
 * not JSON becomes `{ line }`), its stderr, and its exit; kills only by its own pid.
 */
export function watchChild(child) {
  const messages = [];
  const waiters = new Set();
  let stderr = '';
  let stdoutRaw = '';
  let exitInfo = null;
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => { stderr += d; });
  child.on('error', (e) => { stderr += `spawn error: ${e.message}\n`; });
  createInterface({ input: child.stdout }).on('line', (line) => {
    stdoutRaw += `${line}\n`;
    let msg;
    try {
      msg = JSON.parse(line);
    } catch {
      msg = { line };
    }
    messages.push(msg);
    for (const w of [...waiters]) w();
  });
  // 'close' rather than 'exit': by then all of stdout has been read
  const exited = new Promise((res) => {
    child.on('close', (code, signal) => {
      exitInfo = { code, signal };
      for (const w of [...waiters]) w();
      res(exitInfo);
    });
  });
  const handle = {
    child,
    pid: child.pid,
    messages,
    get stderr() { return stderr; },
    get stdout() { return stdoutRaw; },
    get exitInfo() { return exitInfo; },
    alive() { return exitInfo === null && child.exitCode === null && child.signalCode === null; },
    // The first message matching pred (or with event === pred), guard ms.
    message(pred, ms = 10000) {
      const match = typeof pred === 'function' ? pred : (m) => m.event === pred;
      return new Promise((resolve, reject) => {
        let timer;
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        const check = () => {
          const m = messages.find(match);
          if (m) {
            done();
            resolve(m);
          } else if (exitInfo) {
            done();
            reject(new Error(`child exited (${JSON.stringify(exitInfo)}) before ${pred}; stdout: ${stdoutRaw} stderr: ${stderr}`));
          }
        };
        timer = setTimeout(() => {
          done();
          reject(new Error(`no ${pred} message from the child within ${ms} ms; stdout: ${stdoutRaw} stderr: ${stderr}`));
        }, ms);
        waiters.add(check);
        check();
      });
    },
    send(obj) {
      child.stdin.write(`${JSON.stringify(obj)}\n`);
    },
    // Resolves with {code, signal}, or with {timedOut: true} after ms.
    async exit(ms = 10000) {
      let timer;
      const r = await Promise.race([
        exited,
        new Promise((res) => { timer = setTimeout(() => res({ timedOut: true }), ms); }),
      ]);
      clearTimeout(timer);
      return r;
    },
    // Kill by pid (SIGKILL if it does not go), wait for it.
    async kill(signal = 'SIGTERM') {
      if (handle.alive()) {
        try { process.kill(child.pid, signal); } catch { /* already gone */ }
      }
      const r = await handle.exit(5000);
      if (r.timedOut && handle.alive()) {
        try { process.kill(child.pid, 'SIGKILL'); } catch { /* already gone */ }
        return exited;
      }
      return r;
    },
  };
  return handle;
}

/** Where OpenBSD netcat is, or null (`.ci/run` installs it). */
export function ncPath() {
  try {
    return execFileSync('sh', ['-c', 'command -v nc'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}
