// The command-line options of Node that change node:net's defaults, read as Node reads
// them: from NODE_OPTIONS first, then from the command line (process.execArgv), the
// last occurrence winning. node:net asks Node's internal option parser; a package
// cannot, so the two places are read here.
//
//   --[no-]network-family-autoselection                 autoSelectFamily's default
//   --network-family-autoselection-attempt-timeout=MS   autoSelectFamilyAttemptTimeout's

import { NODE_MAJOR } from './constants';

const AUTOSELECT = 'network-family-autoselection';
const ATTEMPT_TIMEOUT = 'network-family-autoselection-attempt-timeout';

/** Splits NODE_OPTIONS as Node does: on whitespace, with double quotes grouping. */
function splitNodeOptions(text: string): string[] {
  const out: string[] = [];
  const re = /"((?:\\.|[^"\\])*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]);
  return out;
}

/** Node's own flags, NODE_OPTIONS' first, up to the script (execArgv holds no more). */
function nodeFlags(): string[] {
  return [...splitNodeOptions(process.env.NODE_OPTIONS ?? ''), ...process.execArgv];
}

/** The last value given for `--name` (`--name=v` or `--name v`), or undefined. */
function lastValue(flags: string[], name: string): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < flags.length; i++) {
    const flag = flags[i].replace(/_/g, '-');
    if (flag === `--${name}` && i + 1 < flags.length) value = flags[++i];
    else if (flag.startsWith(`--${name}=`)) value = flag.slice(name.length + 3);
  }
  return value;
}

/** The last of `--name` / `--no-name`, or undefined if neither was given. */
function lastSwitch(flags: string[], name: string): boolean | undefined {
  let on: boolean | undefined;
  for (const raw of flags) {
    const flag = raw.replace(/_/g, '-');
    if (flag === `--${name}`) on = true;
    else if (flag === `--no-${name}`) on = false;
  }
  return on;
}

/** Match node:net: autoSelectFamily is on unless `--no-network-family-autoselection`. */
export function defaultAutoSelectFamily(): boolean {
  return lastSwitch(nodeFlags(), AUTOSELECT) ?? true;
}

/**
 * Match node:net: 250 ms, 500 from Node 26 (the v25 line), unless
 * `--network-family-autoselection-attempt-timeout` says otherwise, taken as given
 * (only setDefaultAutoSelectFamilyAttemptTimeout() raises values below 10).
 */
export function defaultAutoSelectFamilyAttemptTimeout(): number {
  const given = lastValue(nodeFlags(), ATTEMPT_TIMEOUT);
  return given !== undefined && /^\d+$/.test(given) ? Number(given) : NODE_MAJOR >= 25 ? 500 : 250;
}
