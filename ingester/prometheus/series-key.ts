/**
 * A label set's identity: Prometheus's text form with labels sorted by name,
 * `{__name__="up", job="api"}`. It is the series' dictionary key and display name, so a
 * series reads the same in MetaFlow's dictionary as in Prometheus.
 */
export function seriesKey(labels: Record<string, string>): string {
  const names = Object.keys(labels).sort();
  return '{' + names.map((n) => `${n}=${JSON.stringify(labels[n])}`).join(', ') + '}';
}

/** Custom tag key under which a series' label is kept on its dictionary entry. */
export const LABEL_PREFIX = 'label.';
