export async function runBenchmarks(_opts: { only?: string; rows?: number }): Promise<number> {
  process.stderr.write('no benchmarks yet\n');
  return 1;
}
