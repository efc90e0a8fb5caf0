/**
 * IP address recognition with node:net's exact answers: isIP, isIPv4, isIPv6.
 *
 * These decide whether connect() skips DNS, so they must accept and reject
 * precisely what Node does. The rules, established by experiment against
 * node:net:
 *
 * - IPv4 is strict dotted-quad: four decimal octets 0-255 without leading
 *   zeros ("01.2.3.4", "1.2.3", "1.2.3.4.5", " 1.2.3.4" are all rejected).
 * - IPv6 is hex groups of 1-4 digits (either case). Without "::" there are
 *   exactly 8 groups; with one "::" at most 7 explicit groups, so "::" may
 *   stand for a single zero group. A dotted-quad may end the address and
 *   counts as two groups. A zone suffix "%id" is accepted, where id is one or
 *   more of [0-9A-Za-z], '-', '.', ':'.
 * - The input is converted with ToString first (numbers, objects with a
 *   toString, `undefined` → "undefined"), and a Symbol throws a TypeError.
 */

const CH_0 = 0x30;
const CH_9 = 0x39;
const CH_DOT = 0x2e;
const CH_COLON = 0x3a;
const CH_PERCENT = 0x25;
const CH_DASH = 0x2d;

function isDigit(c: number): boolean {
  return c >= CH_0 && c <= CH_9;
}

function isHexDigit(c: number): boolean {
  return (c >= CH_0 && c <= CH_9) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

function isZoneChar(c: number): boolean {
  return isDigit(c) ||
    (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) ||
    c === CH_DASH || c === CH_DOT || c === CH_COLON;
}

/** Is s[start, end) a dotted-quad IPv4 address? */
function isDottedQuad(s: string, start: number, end: number): boolean {
  let octets = 0;
  let i = start;
  while (true) {
    const octetStart = i;
    let value = 0;
    while (i < end && isDigit(s.charCodeAt(i))) {
      value = value * 10 + (s.charCodeAt(i) - CH_0);
      i++;
    }
    const len = i - octetStart;
    if (len === 0 || len > 3 || value > 255) return false;
    // No leading zeros: "0" alone is fine, "00" and "012" are not.
    if (len > 1 && s.charCodeAt(octetStart) === CH_0) return false;
    octets++;
    if (i === end) return octets === 4;
    if (octets === 4 || s.charCodeAt(i) !== CH_DOT) return false;
    i++;
  }
}

/**
 * Counts the groups in a run of ':'-separated IPv6 groups s[start, end).
 * An empty run has 0 groups. Only the last group of a run may be a
 * dotted-quad, and only when `allowQuad`; it counts as two.
 * Returns -1 when the run is malformed.
 */
function countGroups(s: string, start: number, end: number, allowQuad: boolean): number {
  if (start === end) return 0;
  let groups = 0;
  let i = start;
  while (true) {
    const groupStart = i;
    while (i < end && isHexDigit(s.charCodeAt(i))) i++;
    if (i < end && s.charCodeAt(i) === CH_DOT) {
      // Only a trailing group can be an IPv4 address; it runs to the end.
      return allowQuad && isDottedQuad(s, groupStart, end) ? groups + 2 : -1;
    }
    const len = i - groupStart;
    if (len === 0 || len > 4) return -1;
    groups++;
    if (i === end) return groups;
    if (s.charCodeAt(i) !== CH_COLON) return -1;
    i++;
    // A trailing ':' leaves an empty last group.
    if (i === end) return -1;
  }
}

/** Is s[0, end) an IPv6 address (without zone)? */
function isIPv6Address(s: string, end: number): boolean {
  let gap = -1;
  for (let i = 0; i + 1 < end; i++) {
    if (s.charCodeAt(i) === CH_COLON && s.charCodeAt(i + 1) === CH_COLON) {
      // A second "::" (":::" overlaps itself) is never valid.
      if (gap !== -1) return false;
      gap = i;
      i++;
      if (i + 1 < end && s.charCodeAt(i + 1) === CH_COLON) return false;
    }
  }
  if (gap === -1) return countGroups(s, 0, end, true) === 8;
  const head = countGroups(s, 0, gap, false);
  if (head < 0) return false;
  const tail = countGroups(s, gap + 2, end, true);
  return tail >= 0 && head + tail <= 7;
}

function toText(input: unknown): string {
  // Match node:net: ToString semantics (a template literal calls toString()
  // before valueOf() and throws on Symbols, as RegExp#test does); String()
  // would quietly stringify Symbols instead.
  return `${input as string}`;
}

function v4(s: string): boolean {
  return isDottedQuad(s, 0, s.length);
}

function v6(s: string): boolean {
  const zone = s.indexOf('%');
  if (zone === -1) return isIPv6Address(s, s.length);
  // Match node:net: the zone id must be non-empty and is restricted to
  // letters, digits, '-', '.' and ':'.
  if (zone === s.length - 1) return false;
  for (let i = zone + 1; i < s.length; i++) {
    if (!isZoneChar(s.charCodeAt(i))) return false;
  }
  return isIPv6Address(s, zone);
}

/** Whether `input` (converted to a string) is a dotted-quad IPv4 address. */
export function isIPv4(input: unknown): boolean {
  return v4(toText(input));
}

/** Whether `input` (converted to a string) is an IPv6 address, zone id allowed. */
export function isIPv6(input: unknown): boolean {
  return v6(toText(input));
}

/** 4 for an IPv4 address, 6 for an IPv6 address, 0 otherwise. */
export function isIP(input: unknown): 0 | 4 | 6 {
  // Match node:net: the input is converted separately for each test, so an
  // object's toString() runs twice for a non-IPv4 answer.
  if (v4(toText(input))) return 4;
  if (v6(toText(input))) return 6;
  return 0;
}
