/** The host's polling of an empty queue: the wait doubles from `minMs` up to `maxMs`; a message resets it. */
export function makeBackoff(minMs: number, maxMs: number) {
  let waitMs = minMs;
  return {
    async idle(): Promise<void> {
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      waitMs = Math.min(waitMs * 2, maxMs);
    },
    reset(): void {
      waitMs = minMs;
    },
  };
}
