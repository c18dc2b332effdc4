// Label-set identity shared by the stores, the engine and the test runner.

/** Canonical identity of a label set: names sorted, NUL-separated (NUL cannot occur in names). */
export function labelsKey(labels: Record<string, string>): string {
  const names = Object.keys(labels).sort();
  let k = '';
  for (const n of names) k += n + '\0' + labels[n] + '\0';
  return k;
}
