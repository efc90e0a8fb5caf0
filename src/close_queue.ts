// The close callbacks of socket handles, run in the order libuv runs them.
//
// Match libuv: a closed handle's callback runs in the closing phase of the loop turn
// it was closed in, and the handles closed in one turn run most recent first: uv_close
// prepends to the loop's closing list, and uv__run_closing_handles walks it from the
// head. So `a.destroy(); b.destroy()` emits b's 'close' before a's, and a pipe()
// between them unpipes after both. Here a close waits for the reactor to close the
// descriptor, which may take longer than a turn; so each close takes a ticket when it
// is asked for (the turn it was asked in, and its place in it), its callback is queued
// once the reactor says the descriptor is closed, and one setImmediate runs what is
// queued: earlier turns first, and within a turn the most recent first. A turn ends
// with each batch of events from the binding (dispatch.ts calls `endCloseTurn`), not
// with a setImmediate of its own per turn: with one, quick churn runs (`node
// bench/run.mjs --only churn --rounds 3 --seconds 3`) gave 0.91–0.92× node:net's
// efficiency against 0.95–0.97× before the queue; without, 1.05–1.13×.

interface Ticket {
  turn: number;
  order: number;
}

let turn = 0;
let nextOrder = 0;
let queued: Array<{ ticket: Ticket; run: () => void }> = [];
let scheduled = false;

/** Taken when a close is asked for: where its callback goes among the others. */
export function closeTicket(): Ticket {
  return { turn, order: nextOrder++ };
}

/** The binding is about to dispatch a batch of events: closes asked from here on are a later turn's. */
export function endCloseTurn(): void {
  turn += 1;
}

/** Runs `run` in a later closing pass, in ticket order. */
export function runWhenClosed(ticket: Ticket, run: () => void): void {
  queued.push({ ticket, run });
  if (!scheduled) {
    scheduled = true;
    setImmediate(runClosing);
  }
}

function runClosing(): void {
  scheduled = false;
  const list = queued.sort((a, b) => a.ticket.turn - b.ticket.turn || b.ticket.order - a.ticket.order);
  queued = [];
  for (let i = 0; i < list.length; i++) {
    try {
      list[i].run();
    } catch (err) {
      // Match node:net: a 'close' listener's exception is uncaught, and the other
      // handles' callbacks still run (in the next pass here).
      for (const rest of list.slice(i + 1)) runWhenClosed(rest.ticket, rest.run);
      throw err;
    }
  }
}
