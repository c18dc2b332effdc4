// The function registry: one kernel per entry of the parser's function table
// (../../functions.ts); a test checks the two stay in step.
import type { Kernel } from './kernel.ts';
import { RANGE_KERNELS } from './range.ts';
import { MATH_KERNELS } from './math.ts';
import { TIME_KERNELS } from './time.ts';
import { LABEL_KERNELS } from './labels.ts';
import { HISTOGRAM_KERNELS } from './histogram.ts';
import { MISC_KERNELS } from './misc.ts';

export type { Kernel } from './kernel.ts';

export const FUNCTION_KERNELS: Record<string, Kernel> = {
  ...RANGE_KERNELS,
  ...MATH_KERNELS,
  ...TIME_KERNELS,
  ...LABEL_KERNELS,
  ...HISTOGRAM_KERNELS,
  ...MISC_KERNELS,
};
