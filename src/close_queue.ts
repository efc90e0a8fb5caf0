// The close callbacks of socket handles, run in the order libuv runs them.
//
// Match libuv: a closed handle's callback runs in a later loop turn (the closing
// phase), and the handles closed since the last one run most recent first: uv_close
// prepends to the loop's closing list, and uv__run_closing_handles walks it from the
// head. So `a.destroy(); b.destroy()` emits b's 'close' before a's, and a pipe()
// between them unpipes after both. Here each close takes a ticket when it is asked
// for, and its callback is queued once the reactor says the descriptor is closed; one
// setImmediate runs what is queued, highest ticket first.

let nextTicket = 0;
let queued: Array<{ ticket: number; run: () => void }> = [];
let scheduled = false;

/** Taken when a close is asked for: where its callback goes among the others. */
export function closeTicket(): number {
  return nextTicket++;
}

/** Runs `run` in the next closing turn, in ticket order (most recent first). */
export function runWhenClosed(ticket: number, run: () => void): void {
  queued.push({ ticket, run });
  if (!scheduled) {
    scheduled = true;
    setImmediate(runClosing);
  }
}

function runClosing(): void {
  scheduled = false;
  const list = queued.sort((a, b) => b.ticket - a.ticket);
  queued = [];
  for (let i = 0; i < list.length; i++) {
    try {
      list[i].run();
    } catch (err) {
      // Match node:net: a 'close' listener's exception is uncaught, and the other
      // handles' callbacks still run (in the next turn here).
      for (const rest of list.slice(i + 1)) runWhenClosed(rest.ticket, rest.run);
      throw err;
    }
  }
}
