/** "Did you mean" suggestions: the candidates closest to a misspelt name by edit distance. */
export function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

export function nearest(name: string, candidates: Iterable<string>, max = 3): string[] {
  const lower = name.toLowerCase();
  const scored: Array<[string, number]> = [];
  for (const c of candidates) {
    const d = editDistance(lower, c.toLowerCase());
    // A shared prefix of 3+ characters counts as close even when the tail differs a lot.
    const bonus = c.toLowerCase().startsWith(lower.slice(0, 3)) && lower.length >= 3 ? -1 : 0;
    if (d + bonus <= Math.max(2, Math.floor(lower.length / 2))) scored.push([c, d + bonus]);
  }
  return scored.sort((x, y) => x[1] - y[1] || x[0].localeCompare(y[0])).slice(0, max).map(([c]) => c);
}
