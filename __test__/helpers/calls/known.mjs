// What the property test accepts as different between node:net and rsnet, each with
// its reason: node:net's own crashes (rsnet does better, and says so), and what rsnet
// does differently on purpose. A known difference takes its part out of both records
// (`reconcile`); whatever else differs in the same program still counts.

/** node:net aborts the process (a failed CHECK in C++); rsnet must not crash there. */
export const NODE_CRASHES = [
  {
    // connect({ path }) (or a non-numeric string) on a connected TCP socket: Node 20
    // and 22 abort in TCPWrap::Connect; Node 24 on emit EINVAL, which rsnet emits on
    // every Node (connect_again.ts, diff-connect-again).
    reason: 'connect() with a path on a connected TCP socket: Node 20/22 abort in TCPWrap::Connect',
    matches: (crash) => /TCPWrap::Connect/.test(crash.stderr),
  },
];

const clone = (x) => JSON.parse(JSON.stringify(x));
const isClose = (e) => Array.isArray(e) && e[0] === 'close';

export const KNOWN_DIFFERENCES = [
  {
    // resetAndDestroy() after end(): both emit 'reset EINVAL'; node:net then drops the
    // handle unclosed (the descriptor stays open, 'close' never comes), rsnet closes it
    // and emits 'close' (socket.ts, _destroy; diff-odd-arguments).
    reason: "resetAndDestroy() after end(): node:net leaks the socket, rsnet closes it ('close')",
    reconcile(node, rsnet) {
      const leaked = node.unclosed.filter((label) => JSON.stringify(node.events[label] ?? []).includes('reset EINVAL'));
      if (!leaked.length) return null;
      const r = clone(rsnet);
      for (const label of leaked) {
        r.events[label] = (r.events[label] ?? []).filter((e) => !isClose(e));
        if (!r.unclosed.includes(label)) r.unclosed.push(label);
      }
      r.unclosed.sort();
      const n = clone(node);
      n.unclosed.sort();
      return [n, r];
    },
  },
  {
    // listen() with a Symbol or BigInt backlog throws after the bind: node:net's server
    // stays bound and not listening (its path on disk, clients refused, close() works);
    // rsnet binds and listens in one call, and closes it (diff-odd-arguments). Only
    // what follows on that server differs: its later events and calls are set aside.
    reason: 'a Symbol or BigInt backlog: what the server is after the throw',
    reconcile(node, rsnet) {
      const i = node.calls.findIndex((c) => /Cannot convert a (Symbol|BigInt) value to a number/.test(c.threw?.message ?? ''));
      if (i < 0 || !/\.listen$/.test(node.calls[i].call)) return null;
      const label = node.calls[i].call.split('.')[0];
      const strip = (rec) => {
        const out = clone(rec);
        out.calls = out.calls.map((c, k) => (k > i && c.call?.startsWith(`${label}.`) ? { call: c.call, setAside: true } : c));
        out.events[label] = [];
        out.callbacks = {};
        out.unclosed = out.unclosed.filter((l) => l !== label);
        return out;
      };
      return [strip(node), strip(rsnet)];
    },
  },
];

KNOWN_DIFFERENCES.push({
  // connect() on a socket marked destroyed by assignment (`socket.destroyed = true`,
  // not destroy()): node:net drops the old connection unclosed, and its later reads
  // still reach the socket; rsnet closes it (socket.ts, connect). What its peer then
  // sees (the end of stream) is set aside: the other sockets' events.
  reason: "connect() after `socket.destroyed = …`: rsnet closes the old connection, node:net leaks it",
  reconcile(node, rsnet) {
    const marked = rsnet.calls.findIndex((c) => /^socket\d+\.destroyed =$/.test(c.call ?? ''));
    if (marked < 0) return null;
    const label = rsnet.calls[marked].call.split('.')[0];
    if (!rsnet.calls.slice(marked + 1).some((c) => c.call === `${label}.connect`)) return null;
    const strip = (rec) => {
      const out = clone(rec);
      for (const other of Object.keys(out.events)) if (other !== label && other.startsWith('socket')) out.events[other] = [];
      return out;
    };
    return [strip(node), strip(rsnet)];
  },
});

KNOWN_DIFFERENCES.push({
  // server.listen(socket) with a connected socket: node:net's server takes the socket's
  // own handle (listen(handle)), fails on it (EINVAL, as rsnet) and closes it, and the
  // socket, its handle gone, never emits 'close' and is never closed again; rsnet's
  // socket keeps its connection and closes at destroy().
  reason: "listen(connectedSocket): node:net's server closes the socket's handle, whose 'close' never comes",
  reconcile(node, rsnet) {
    if (!node.calls.some((c) => /^server\d+\.listen$/.test(c.call ?? ''))) return null;
    const lost = node.unclosed.filter((l) => l.startsWith('socket') && (node.events[l] ?? []).length === 0
      && JSON.stringify(rsnet.events[l]) === JSON.stringify([['close', false]]));
    if (!lost.length) return null;
    const r = clone(rsnet);
    for (const l of lost) {
      r.events[l] = [];
      if (!r.unclosed.includes(l)) r.unclosed.push(l);
    }
    r.unclosed.sort();
    const n = clone(node);
    n.unclosed.sort();
    return [n, r];
  },
});

export function knownCrash(crash) {
  return crash.which === 'node' ? NODE_CRASHES.find((k) => k.matches(crash)) : undefined;
}
