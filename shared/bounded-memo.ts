/**
 * `fn` remembered for up to `max` distinct keys (the oldest remembered leaves first): for work that depends
 * only on a value a webhook keeps (its secret, its service URI), done once instead of once per delivery (issue 24).
 */
export function boundedMemo<V>(max: number, fn: (key: string) => V): (key: string) => V {
  const kept = new Map<string, V>();
  return (key) => {
    if (kept.has(key)) return kept.get(key)!;
    const value = fn(key);
    if (kept.size >= max) kept.delete(kept.keys().next().value!);
    kept.set(key, value);
    return value;
  };
}
