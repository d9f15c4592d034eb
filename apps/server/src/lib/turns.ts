/** One turn of the event loop: timers, I/O and other requests that arrived meanwhile run first. */
export const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** How long a loop over a large request may hold the event loop before it lets others run (ms). */
export const TURN_BUDGET_MS = 8;

/**
 * Runs `step(0)` … `step(count - 1)`, giving the event loop a turn whenever it has been held for
 * `budgetMs`: a loop over 10,000 rows never makes other requests wait for all of it. `step` may
 * return false to stop early.
 */
export async function forEachInTurns(count: number, step: (index: number) => unknown, budgetMs = TURN_BUDGET_MS): Promise<void> {
  let since = performance.now();
  for (let i = 0; i < count; i++) {
    if (step(i) === false) return;
    // Reading the clock costs little next to a row, but not nothing: every 16th step.
    if ((i & 15) === 15 && performance.now() - since >= budgetMs) {
      await nextTurn();
      since = performance.now();
    }
  }
}
