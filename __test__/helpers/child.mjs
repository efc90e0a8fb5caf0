// Child processes for end-to-end tests: spawn, read JSON lines, wait for
// exit with a guard, kill by pid.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { implSpecifier } from './impl.mjs';

export function spawnNode(which, script, args = [], opts = {}) {
  const child = spawn(process.execPath, [script, ...args.map(String)], {
    env: { ...process.env, RSNET_NET_MODULE: implSpecifier(which), ...(opts.env || {}) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const messages = [];
  const waiters = [];
  let stderr = '';
  let stdoutRaw = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => { stderr += d; });
  const rl = createInterface({ input: child.stdout });
  rl.on('line', (line) => {
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
    child.on('close', (code, signal) => res({ code, signal }));
  });
  let exitInfo = null;
  exited.then((x) => {
    exitInfo = x;
    for (const w of [...waiters]) w();
  });

  return {
    child,
    pid: child.pid,
    messages,
    get stderr() { return stderr; },
    get stdout() { return stdoutRaw; },
    get exitInfo() { return exitInfo; },
    alive() { return child.exitCode === null && child.signalCode === null; },
    // Next message matching pred (or with event === pred), guard ms.
    message(pred, ms = 10000) {
      const match = typeof pred === 'function' ? pred : (m) => m.event === pred;
      return new Promise((resolve, reject) => {
        let timer;
        const check = () => {
          const m = messages.find(match);
          if (m) {
            cleanup();
            resolve(m);
          } else if (exitInfo) {
            cleanup();
            reject(new Error(`child exited (${JSON.stringify(exitInfo)}) before ${pred}; stderr: ${stderr}`));
          }
        };
        const cleanup = () => {
          clearTimeout(timer);
          const i = waiters.indexOf(check);
          if (i >= 0) waiters.splice(i, 1);
        };
        timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no ${pred} message from the child within ${ms} ms; stdout: ${stdoutRaw} stderr: ${stderr}`));
        }, ms);
        waiters.push(check);
        check();
      });
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
    async kill(signal = 'SIGTERM') {
      if (this.alive()) process.kill(child.pid, signal);
      const r = await this.exit(5000);
      if (r.timedOut && this.alive()) {
        process.kill(child.pid, 'SIGKILL');
        return exited;
      }
      return r;
    },
  };
}
