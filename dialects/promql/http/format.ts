/** Prometheus's JSON result shapes: `[seconds, "value"]` pairs, values formatted like Go. */
import type { MatrixResult, QueryValue } from '../engine/values.ts';
import { formatGoFloat } from '../engine/values.ts';

const sec = (ms: number) => ms / 1000;

export function resultJson(v: QueryValue): { resultType: string; result: unknown } {
  switch (v.resultType) {
    case 'scalar':
    case 'string':
      return { resultType: v.resultType, result: [sec(v.timestampMs), v.resultType === 'scalar' ? formatGoFloat(v.value) : v.value] };
    case 'vector':
      return { resultType: 'vector', result: v.samples.map((s) => ({ metric: s.labels, value: [sec(s.timestampMs), formatGoFloat(s.value)] })) };
    case 'matrix':
      return {
        resultType: 'matrix',
        result: v.series.map((s) => {
          const values: Array<[number, string]> = new Array(s.timestampsMs.length);
          for (let i = 0; i < s.timestampsMs.length; i++) values[i] = [sec(s.timestampsMs[i]!), formatGoFloat(s.values[i]!)];
          return { metric: s.labels, values };
        }),
      };
  }
}

/**
 * The JSON text of resultJson(v). A matrix is written straight to text: range results reach
 * millions of points, and a two-element array per point only to be serialised again cost more
 * than the evaluation. Number text is JSON.stringify's (shortest round-trip, as String()),
 * and formatted values never need escaping.
 */
export function resultJsonText(v: QueryValue): string {
  return v.resultType === 'matrix' ? matrixText(v) : JSON.stringify(resultJson(v));
}

function matrixText(v: MatrixResult): string {
  const parts: string[] = [];
  for (const s of v.series) {
    const t = s.timestampsMs, x = s.values;
    let points = '';
    for (let i = 0; i < t.length; i++) points += `${i ? ',' : ''}[${sec(t[i]!)},"${formatGoFloat(x[i]!)}"]`;
    parts.push(`{"metric":${JSON.stringify(s.labels)},"values":[${points}]}`);
  }
  return `{"resultType":"matrix","result":[${parts.join(',')}]}`;
}
