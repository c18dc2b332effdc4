/** Prometheus's JSON result shapes: `[seconds, "value"]` pairs, values formatted like Go. */
import type { QueryValue } from '../engine/values.ts';
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
