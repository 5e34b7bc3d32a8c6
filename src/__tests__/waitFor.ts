/**
 * Resolves once `predicate` holds, polling every `intervalMs`; rejects after `timeoutMs`.
 * A test helper for asynchronous models driven by fake transports.
 */
export function waitFor(
  predicate: () => boolean,
  timeoutMs: number,
  intervalMs: number
): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const check = () => {
      if (predicate()) {
        resolve();
      } else if (Date.now() - started > timeoutMs) {
        reject(new Error('condition not reached'));
      } else {
        setTimeout(check, intervalMs);
      }
    };
    check();
  });
}
