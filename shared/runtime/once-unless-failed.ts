/**
 * Builds once and shares the result; a failure is not kept, so the next caller builds again (a storage
 * blip at a cold start must not wedge the worker until it restarts).
 */
export function onceUnlessFailed<T>(build: () => Promise<T>): () => Promise<T> {
  let built: Promise<T> | undefined;
  return () => {
    built ??= build().catch((err: unknown) => {
      built = undefined;
      throw err;
    });
    return built;
  };
}
