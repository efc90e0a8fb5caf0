// The `blockList` option of sockets and servers (Node 22 and later): a net.BlockList
// that connects to, or connections from, the addresses it holds are refused. The list
// is node:net's own class (rsnet's `BlockList` is the same, see net.ts), loaded only
// where the option is used.

import { ERR_INVALID_ARG_TYPE } from './errors';
import { isIP } from './ip';

/** A net.BlockList, as node:net's check of its options takes it. */
export interface BlockListLike {
  check(address: string, family: 'ipv4' | 'ipv6'): boolean;
}

/** Match node:net: `options.blockList` must be a net.BlockList (an ERR_INVALID_ARG_TYPE). */
export function validateBlockList(value: unknown): BlockListLike {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { BlockList } = require('net');
  if (!BlockList.isBlockList(value)) throw new ERR_INVALID_ARG_TYPE('options.blockList', 'net.BlockList', value);
  return value as BlockListLike;
}

/** Whether `list` refuses `address` (an IP literal; anything else is not checked). */
export function isBlocked(list: BlockListLike | undefined, address: string | undefined): boolean {
  if (list === undefined || typeof address !== 'string') return false;
  const family = isIP(address);
  return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4');
}
