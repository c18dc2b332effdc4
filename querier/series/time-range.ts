/** PromQL asks for [start, end] in ms, both inclusive; a fragment's range is [start, end) in µs. */
export function storeTimeRange(startMs: number, endMs: number): { startUs: bigint; endUs: bigint } {
  return { startUs: BigInt(Math.floor(startMs)) * 1000n, endUs: (BigInt(Math.floor(endMs)) + 1n) * 1000n };
}
