import { setTimeout as delay } from 'node:timers/promises';

export interface WaitForOptions<T> {
  /** When the value is the one waited for; by default, when it is truthy. */
  until?: (value: T) => boolean;
  /** Give up after this long (default 10 s: the machines are shared, and a pass returns at once). */
  timeoutMs?: number;
  /** Pause between two checks (default 20 ms). How often to look, not a guess at how long it takes. */
  intervalMs?: number;
}

function shown(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}

/**
 * Polls `check` until its value is the one waited for (`until`, or truthy), and returns that value.
 * For results that arrive after the response (audit rows written in batches): instead of sleeping
 * for a guessed time, wait for the result itself. On timeout it fails naming `what` it waited for
 * and the last value seen (or the last error `check` threw).
 *
 *   const rows = await waitFor(`the audit row of ${id}`, () => rowsOf(id), { until: (r) => r.length > 0 });
 */
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  options: WaitForOptions<T> = {},
): Promise<T> {
  const { until = (value: T) => Boolean(value), timeoutMs = 10_000, intervalMs = 20 } = options;
  const deadline = performance.now() + timeoutMs;
  let checks = 0;
  let last: { value: T } | { error: unknown } | undefined;
  for (;;) {
    checks += 1;
    try {
      const value = await check();
      if (until(value)) return value;
      last = { value };
    } catch (error) {
      last = { error };
    }
    if (performance.now() >= deadline) {
      const seen =
        last === undefined
          ? 'nothing'
          : 'error' in last
            ? `an error: ${shown(last.error)}`
            : shown(last.value);
      throw new Error(
        `Timed out after ${timeoutMs} ms (${checks} checks) waiting for ${what}; last seen: ${seen}`,
        { cause: last && 'error' in last ? last.error : undefined },
      );
    }
    await delay(intervalMs);
  }
}

/**
 * A revocation, deactivation or role change reaches every replica's token cache within a second
 * (LISTEN/NOTIFY, docs/operations.md), not in the same instant: what the connector promises, and so
 * what the tests hold it to.
 */
export const TOKEN_EVICTION_MS = 1_000;

export function withinTokenEviction<T>(what: string, check: () => Promise<T>, until: (value: T) => boolean) {
  return waitFor(what, check, { until, timeoutMs: TOKEN_EVICTION_MS });
}
