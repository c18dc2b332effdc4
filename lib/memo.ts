/**
 * Memoizes a pure function of a string over its last `size` distinct inputs (first in, first
 * out). For per-statement work on SQL text that clients send again and again; callers must
 * treat the returned values as read-only, since every caller with the same text shares one.
 */
export function memoizeText<T>(fn: (text: string) => T, size = 512): (text: string) => T {
  const kept = new Map<string, T>();
  return (text) => {
    let v = kept.get(text);
    if (v === undefined && !kept.has(text)) {
      v = fn(text);
      if (kept.size >= size) kept.delete(kept.keys().next().value!);
      kept.set(text, v);
    }
    return v as T;
  };
}
