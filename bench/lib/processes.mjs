// The processes of a benchmark run, and what /proc says about them.
//
// Everything the runner starts is tracked here by pid, so an interrupted benchmark kills
// exactly what it started (never anything found by name: other people's processes run
// on the same machine). Servers and the proxy backend announce themselves with one JSON
// line on stdout and exit when their stdin closes; short-lived tools (the load generator,
// wrk) are run to completion with a time limit of their own.

import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

const START_TIMEOUT_MS = 15_000;

/** Children still running, so an interrupted benchmark leaves none behind. */
const live = new Set();

export function killLiveChildren() {
  for (const child of live) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}
process.on('exit', killLiveChildren);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    killLiveChildren();
    process.exit(128 + os.constants.signals[signal]);
  });
}

function track(child) {
  live.add(child);
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  exited.then(() => live.delete(child));
  return exited;
}

/**
 * Starts a long-running helper (a server under test, the proxy backend) and resolves
 * once it has printed its first line, a JSON object: `{ child, exited, info, dead() }`.
 * Its stderr goes to ours, so its own explanation of a failure is visible.
 */
export function startAnnouncing({ command, args, env, cwd, label }) {
  const child = spawn(command, args, { cwd, env, stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = track(child);
  let gone = false;
  exited.then(() => (gone = true));
  const proc = { child, exited, dead: () => gone };
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => {
      stopProcess(proc);
      reject(new Error(`${label} printed nothing within ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
    const onData = (s) => {
      buffered += s;
      const newline = buffered.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.stdout.resume(); // anything it prints later must not fill the pipe
      try {
        const info = JSON.parse(buffered.slice(0, newline));
        if (typeof info !== 'object' || info === null) throw new Error('not an object');
        resolve({ ...proc, info });
      } catch (err) {
        stopProcess(proc);
        reject(new Error(`${label} printed ${JSON.stringify(buffered.slice(0, newline))}: ${err.message}`));
      }
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot start ${label} (${command}): ${err.message}`));
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${label} exited (${signal ?? `code ${code}`}) before it was ready; see its stderr above`));
    });
  });
}

/** Closes the helper's stdin (its signal to exit), then escalates by pid if it lingers. */
export async function stopProcess({ child, exited }) {
  const within = (ms) => Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), ms).unref())]);
  child.stdin.end();
  if (await within(3000)) return;
  process.stderr.write(`bench: process ${child.pid} ignored stdin closing; sending SIGTERM\n`);
  child.kill('SIGTERM');
  if (await within(3000)) return;
  process.stderr.write(`bench: process ${child.pid} ignored SIGTERM; sending SIGKILL\n`);
  child.kill('SIGKILL');
  await exited;
}

/**
 * Runs a tool to completion, killed after `timeoutMs` in any case. Resolves with
 * `{ code, signal, stdout, stderr }`; `onLine` sees each stdout line as it arrives and
 * may use `child` (e.g. to close its stdin).
 */
export function runTool(command, args, { timeoutMs, onLine, stdin = 'ignore' } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: [stdin, 'pipe', 'pipe'] });
    track(child);
    let stdout = '';
    let stderr = '';
    let pending = '';
    child.stdout.setEncoding('utf8').on('data', (s) => {
      stdout += s;
      if (!onLine) return;
      pending += s;
      let newline;
      while ((newline = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        onLine(line, child);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (s) => (stderr += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${command}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

// ---------------------------------------------------------------------------------
// /proc

export const CLK_TCK = (() => {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    if (Number.isInteger(n) && n > 0) return n;
  } catch {
    // fall through to the Linux default
  }
  return 100;
})();

/** utime + stime of the whole process (all its threads), in seconds. */
export function cpuSeconds(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces and parentheses: fields are counted
  // from after its closing parenthesis, where field 3 (state) begins.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[14 - 3]);
  const stime = Number(fields[15 - 3]);
  return (utime + stime) / CLK_TCK;
}

/** A `kB` field of /proc/<pid>/status, in bytes. */
function statusBytes(pid, field) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/** Resident set size of the process, in bytes (VmRSS of /proc/<pid>/status). */
export function rssBytes(pid) {
  return statusBytes(pid, 'VmRSS');
}

/**
 * The most the process has ever had resident, in bytes (VmHWM, the "high water mark"
 * of /proc/<pid>/status). The kernel keeps it per process (an exec starts it afresh),
 * so read from a server started for one run, just before it stops, it is that run's
 * peak, including memory it has given back since.
 */
export function peakRssBytes(pid) {
  return statusBytes(pid, 'VmHWM');
}
