/**
 * Argument validators with node:net's rules and node:net's errors.
 *
 * Each throws exactly the error Node's internal validator of the same name
 * throws for the same input (class, code, message), with the stack starting
 * at the caller. They return nothing unless noted; the TypeScript signatures
 * narrow the checked value.
 */

import {
  ERR_INVALID_ARG_TYPE,
  ERR_INVALID_ARG_VALUE,
  ERR_OUT_OF_RANGE,
  ERR_SOCKET_BAD_PORT,
  hideStackFrames,
} from './errors';
import { NODE_MAJOR } from './constants';

/** Largest timer delay; longer ones are clamped, as Node's timers do. */
export const TIMEOUT_MAX = 2 ** 31 - 1;

/**
 * Throws unless `value` is a number. With `min` and/or `max`, also throws
 * ERR_OUT_OF_RANGE when outside them or NaN.
 */
export const validateNumber: (value: unknown, name: string, min?: number, max?: number) => asserts value is number =
  hideStackFrames(function validateNumber(value: unknown, name: string, min?: number, max?: number) {
    if (typeof value !== 'number') throw new ERR_INVALID_ARG_TYPE(name, 'number', value);
    const bounded = min != null || max != null;
    if ((min != null && value < min) || (max != null && value > max) || (bounded && Number.isNaN(value))) {
      // Match node:net: ">= min", "<= max" or ">= min && <= max".
      const range = [min != null ? `>= ${min}` : '', max != null ? `<= ${max}` : ''].filter(Boolean).join(' && ');
      throw new ERR_OUT_OF_RANGE(name, range, value);
    }
  });

function checkInteger(value: unknown, name: string, min: number, max: number): void {
  if (typeof value !== 'number') throw new ERR_INVALID_ARG_TYPE(name, 'number', value);
  if (!Number.isInteger(value)) throw new ERR_OUT_OF_RANGE(name, 'an integer', value);
  if (value < min || value > max) throw new ERR_OUT_OF_RANGE(name, `>= ${min} && <= ${max}`, value);
}

/** Throws unless `value` is an integer in [min, max] (default: safe integers). */
export const validateInteger: (value: unknown, name: string, min?: number, max?: number) => asserts value is number =
  hideStackFrames(function validateInteger(
    value: unknown, name: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER,
  ) {
    checkInteger(value, name, min, max);
  });

/** Throws unless `value` is an integer in [min, max] (default: the int32 range). */
export const validateInt32: (value: unknown, name: string, min?: number, max?: number) => asserts value is number =
  hideStackFrames(function validateInt32(value: unknown, name: string, min = -2147483648, max = 2147483647) {
    checkInteger(value, name, min, max);
  });

/** Throws unless `value` is an integer in [0 (1 if `positive`), 2^32 - 1]. */
export const validateUint32: (value: unknown, name: string, positive?: boolean) => asserts value is number =
  hideStackFrames(function validateUint32(value: unknown, name: string, positive = false) {
    checkInteger(value, name, positive ? 1 : 0, 4294967295);
  });

export const validateString: (value: unknown, name: string) => asserts value is string =
  hideStackFrames(function validateString(value: unknown, name: string) {
    if (typeof value !== 'string') throw new ERR_INVALID_ARG_TYPE(name, 'string', value);
  });

export const validateBoolean: (value: unknown, name: string) => asserts value is boolean =
  hideStackFrames(function validateBoolean(value: unknown, name: string) {
    if (typeof value !== 'boolean') throw new ERR_INVALID_ARG_TYPE(name, 'boolean', value);
  });

export const validateFunction: (value: unknown, name: string) => asserts value is Function =
  hideStackFrames(function validateFunction(value: unknown, name: string) {
    // Match node:net: the message says "of type function".
    if (typeof value !== 'function') throw new ERR_INVALID_ARG_TYPE(name, 'Function', value);
  });

/** Flags for validateObject: which non-plain values to let through. */
export const ValidateObject = {
  None: 0,
  AllowNullable: 1 << 0,
  AllowArray: 1 << 1,
  AllowFunction: 1 << 2,
  AllowObjects: (1 << 1) | (1 << 2),
  AllowObjectsAndNull: (1 << 0) | (1 << 1) | (1 << 2),
} as const;

/**
 * Throws unless `value` is an object; by default null, arrays and functions
 * are refused, `flags` (from ValidateObject) admits them.
 */
export const validateObject: (value: unknown, name: string, flags?: number) => asserts value is object =
  hideStackFrames(function validateObject(value: unknown, name: string, flags: number = ValidateObject.None) {
    const ok =
      (value !== null || (flags & ValidateObject.AllowNullable) !== 0) &&
      (!Array.isArray(value) || (flags & ValidateObject.AllowArray) !== 0) &&
      (typeof value === 'object' || (typeof value === 'function' && (flags & ValidateObject.AllowFunction) !== 0));
    if (!ok) throw new ERR_INVALID_ARG_TYPE(name, 'Object', value);
  });

/**
 * Throws ERR_INVALID_ARG_VALUE (`must be one of: 'a', 'b'`) unless `value` is
 * in `oneOf` (compared with SameValueZero, as Array#includes does).
 */
export const validateOneOf: <T>(value: unknown, name: string, oneOf: readonly T[]) => asserts value is T =
  hideStackFrames(function validateOneOf(value: unknown, name: string, oneOf: readonly unknown[]) {
    if (!oneOf.includes(value)) {
      const allowed = oneOf.map((v) => (typeof v === 'string' ? `'${v}'` : String(v))).join(', ');
      throw new ERR_INVALID_ARG_VALUE(name, value, `must be one of: ${allowed}`);
    }
  });

/**
 * Throws unless `signal` is undefined or looks like an AbortSignal.
 * Match node:net: any object with an `aborted` key passes (duck typing).
 */
export const validateAbortSignal: (signal: unknown, name: string) => asserts signal is AbortSignal | undefined =
  hideStackFrames(function validateAbortSignal(signal: unknown, name: string) {
    if (signal !== undefined &&
        (signal === null || typeof signal !== 'object' || !('aborted' in signal))) {
      throw new ERR_INVALID_ARG_TYPE(name, 'AbortSignal', signal);
    }
  });

/**
 * Checks a port and returns it as a number. Throws ERR_SOCKET_BAD_PORT
 * (`<name> should be >= 0 and < 65536. Received ...`).
 *
 * Match node:net: numbers and numeric strings are accepted, including
 * surrounding whitespace, hex ('0x50'), exponents ('8e1') and '-0'; empty or
 * blank strings, non-integers, negatives and values over 65535 are not. With
 * `allowZero` false only the number 0 is refused on Node 20 and 22 (the string
 * '0' still passes there, as in Node), any zero from Node 24 on.
 */
export const validatePort: (port: unknown, name?: string, allowZero?: boolean) => number =
  hideStackFrames(function validatePort(port: unknown, name = 'Port', allowZero = true): number {
    if (typeof port !== 'number' && typeof port !== 'string') {
      throw new ERR_SOCKET_BAD_PORT(name, port, allowZero);
    }
    const n = +port;
    if ((typeof port === 'string' && port.trim().length === 0) ||
        !(Number.isInteger(n) && n >= 0 && n <= 0xFFFF) ||
        // Match node:net: Node 24 and later refuse every zero (the string '0' too).
        ((NODE_MAJOR >= 24 ? n === 0 : port === 0) && !allowZero)) {
      throw new ERR_SOCKET_BAD_PORT(name, port, allowZero);
    }
    return n | 0;
  });

/**
 * Validates a timer delay (socket.setTimeout) and returns the delay to arm.
 *
 * Match node:net: non-numbers throw ERR_INVALID_ARG_TYPE; negatives, NaN and
 * ±Infinity throw ERR_OUT_OF_RANGE ("a non-negative finite number"); -0 and
 * fractions pass unchanged; delays above 2^31-1 are clamped to it with a
 * TimeoutOverflowWarning.
 */
export function getTimerDuration(msecs: unknown, name: string): number {
  validateNumber(msecs, name);
  if (msecs < 0 || !Number.isFinite(msecs)) {
    throw new ERR_OUT_OF_RANGE(name, 'a non-negative finite number', msecs);
  }
  if (msecs > TIMEOUT_MAX) {
    process.emitWarning(
      `${msecs} does not fit into a 32-bit signed integer.\nTimer duration was truncated to ${TIMEOUT_MAX}.`,
      'TimeoutOverflowWarning',
    );
    return TIMEOUT_MAX;
  }
  return msecs;
}
