// Binary operators: scalar/scalar, vector/scalar, vector/vector with one-to-one, many-to-one
// and one-to-many matching, and the set operators and/or/unless. Matching signatures are
// computed once per series; the per-step work is typed-array loops.
import type { BinaryExpr, BinaryOp, VectorMatching } from '../ast.ts';
import type { Evaluator } from './evaluator.ts';
import { PromQLEvalError, EVAL_ERROR_CODES } from './errors.ts';
import { SeriesBuilder } from './vector-ops.ts';
import { dropMetricName, type EvalValue, type Labels, type StepSeries, type VectorValue } from './values.ts';

const COMPARISON = new Set<BinaryOp>(['==', '!=', '>', '<', '>=', '<=']);
const SET_OPS = new Set<BinaryOp>(['and', 'or', 'unless']);
// Prometheus shouldDropMetricName: arithmetic drops the name; atan2 and comparisons keep it.
const DROPS_NAME = new Set<BinaryOp>(['+', '-', '*', '/', '%', '^']);

/** Go's math.Pow special cases that differ from JS `**`. */
function goPow(x: number, y: number): number {
  if (y === 0 || x === 1) return 1;
  if (x === -1 && (y === Infinity || y === -Infinity)) return 1;
  return x ** y;
}

/** Arithmetic result of `l op r` (comparisons give 1/0 here; callers decide what to keep). */
export function arith(op: BinaryOp, l: number, r: number): number {
  switch (op) {
    case '+': return l + r;
    case '-': return l - r;
    case '*': return l * r;
    case '/': return l / r;
    case '%': return l % r;
    case '^': return goPow(l, r);
    case 'atan2': return Math.atan2(l, r);
    case '==': return l === r ? 1 : 0;
    case '!=': return l !== r ? 1 : 0;
    case '>': return l > r ? 1 : 0;
    case '<': return l < r ? 1 : 0;
    case '>=': return l >= r ? 1 : 0;
    case '<=': return l <= r ? 1 : 0;
    default: throw new PromQLEvalError('UNSUPPORTED', `operator ${op} on scalars`);
  }
}

export async function evalBinary(ev: Evaluator, node: BinaryExpr): Promise<EvalValue> {
  const [l, r] = await Promise.all([ev.eval(node.lhs), ev.eval(node.rhs)]);
  const op = node.op;
  const cmp = COMPARISON.has(op);
  if (l.type === 'scalar' && r.type === 'scalar') {
    const out = new Float64Array(ev.steps);
    for (let i = 0; i < ev.steps; i++) out[i] = arith(op, l.values[i], r.values[i]);
    return { type: 'scalar', values: out };
  }
  if (l.type === 'vector' && r.type === 'scalar') return vectorScalar(ev, op, l, r.values, false, node.returnBool, cmp);
  if (l.type === 'scalar' && r.type === 'vector') return vectorScalar(ev, op, r, l.values, true, node.returnBool, cmp);
  if (l.type === 'vector' && r.type === 'vector') {
    const matching = node.vectorMatching ?? { card: SET_OPS.has(op) ? 'many-to-many' : 'one-to-one', on: false, labels: [], include: [] };
    if (SET_OPS.has(op)) return setOp(ev, op, l, r, matching);
    return vectorVector(ev, op, l, r, matching, node.returnBool, cmp);
  }
  throw new PromQLEvalError('INVALID_EXPRESSION_TYPE', `binary ${op} between ${l.type} and ${r.type}`, node.posRange);
}

function vectorScalar(ev: Evaluator, op: BinaryOp, v: VectorValue, s: Float64Array, scalarLeft: boolean, returnBool: boolean, cmp: boolean): VectorValue {
  const n = ev.steps;
  const dropName = DROPS_NAME.has(op) || returnBool;
  const b = new SeriesBuilder(n);
  for (const ser of v.series) {
    const out = b.get(dropName ? dropMetricName(ser.labels) : ser.labels);
    for (let i = 0; i < n; i++) {
      if (!ser.present[i]) continue;
      const x = ser.values[i];
      const res = scalarLeft ? arith(op, s[i], x) : arith(op, x, s[i]);
      if (cmp) {
        // A comparison keeps the vector's own value (whichever side it is on) or filters it.
        if (returnBool) b.set(out, i, res);
        else if (res === 1) b.set(out, i, x);
      } else b.set(out, i, res);
    }
  }
  return b.result();
}

/** The matching signature of a label set: the on(...) labels, or all but ignoring(...) and the name. */
function signature(labels: Labels, m: VectorMatching): string {
  let k = '';
  if (m.on) {
    for (const name of [...m.labels].sort()) k += name + '\0' + (labels[name] ?? '') + '\0';
    return k;
  }
  const skip = new Set(m.labels);
  for (const name of Object.keys(labels).sort()) {
    if (name === '__name__' || skip.has(name)) continue;
    k += name + '\0' + labels[name] + '\0';
  }
  return k;
}

function groupBySignature(series: StepSeries[], m: VectorMatching): Map<string, number[]> {
  const g = new Map<string, number[]>();
  series.forEach((s, idx) => {
    const sig = signature(s.labels, m);
    const list = g.get(sig);
    if (list) list.push(idx); else g.set(sig, [idx]);
  });
  return g;
}

/** Per signature, which steps have any series present. */
function presenceBySignature(ev: Evaluator, series: StepSeries[], m: VectorMatching): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const s of series) {
    const sig = signature(s.labels, m);
    let p = out.get(sig);
    if (!p) { p = new Uint8Array(ev.steps); out.set(sig, p); }
    for (let i = 0; i < ev.steps; i++) p[i] |= s.present[i];
  }
  return out;
}

function setOp(ev: Evaluator, op: BinaryOp, l: VectorValue, r: VectorValue, m: VectorMatching): VectorValue {
  const n = ev.steps;
  const filtered = (s: StepSeries, keepWhere: (i: number) => boolean): StepSeries => {
    const present = new Uint8Array(n);
    for (let i = 0; i < n; i++) present[i] = s.present[i] && keepWhere(i) ? 1 : 0;
    return { labels: s.labels, values: s.values, present };
  };
  const none = new Uint8Array(n);
  if (op === 'and' || op === 'unless') {
    const rp = presenceBySignature(ev, r.series, m);
    const want = op === 'and' ? 1 : 0;
    const series = l.series.map((s) => {
      const p = rp.get(signature(s.labels, m)) ?? none;
      return filtered(s, (i) => p[i] === want);
    });
    return { type: 'vector', series: series.filter((s) => s.present.includes(1)) };
  }
  // or: every left sample, plus right samples whose signature has no left sample at that step.
  const lp = presenceBySignature(ev, l.series, m);
  const right = r.series.map((s) => {
    const p = lp.get(signature(s.labels, m)) ?? none;
    return filtered(s, (i) => p[i] === 0);
  }).filter((s) => s.present.includes(1));
  // A label set on both sides (at different steps) becomes one series.
  const b = new SeriesBuilder(n);
  for (const s of [...l.series, ...right]) {
    const out = b.get(s.labels);
    for (let i = 0; i < n; i++) if (s.present[i]) b.set(out, i, s.values[i]);
  }
  return b.result();
}

function resultLabels(many: Labels, one: Labels, op: BinaryOp, m: VectorMatching, returnBool: boolean): Labels {
  const out: Labels = { ...many };
  if (DROPS_NAME.has(op) || returnBool) delete out.__name__;
  if (m.card === 'one-to-one') {
    if (m.on) {
      const keep = new Set(m.labels);
      for (const k of Object.keys(out)) if (!keep.has(k)) delete out[k];
    } else {
      for (const k of m.labels) delete out[k];
    }
  }
  for (const k of m.include) {
    const v = one[k];
    if (v !== undefined && v !== '') out[k] = v; else delete out[k];
  }
  return out;
}

function vectorVector(ev: Evaluator, op: BinaryOp, lhs: VectorValue, rhs: VectorValue, m: VectorMatching, returnBool: boolean, cmp: boolean): VectorValue {
  const n = ev.steps;
  const swap = m.card === 'one-to-many';
  const manySide = swap ? rhs.series : lhs.series;
  const oneSide = swap ? lhs.series : rhs.series;
  const oneGroups = groupBySignature(oneSide, m);
  // The "one" side must have at most one series per signature at any step.
  for (const [, idxs] of oneGroups) {
    if (idxs.length < 2) continue;
    for (let i = 0; i < n; i++) {
      let c = 0;
      for (const j of idxs) c += oneSide[j].present[i];
      if (c > 1) {
        throw new PromQLEvalError('MANY_TO_MANY', `found duplicate series for the match group on the ${swap ? 'left' : 'right'} hand-side of the operation; ${EVAL_ERROR_CODES.MANY_TO_MANY}`);
      }
    }
  }
  const b = new SeriesBuilder(n);
  // One-to-one: a signature may produce at most one output sample per step.
  const matchedAt = m.card === 'one-to-one' ? new Map<string, Uint8Array>() : null;
  const manySigs = manySide.map((s) => signature(s.labels, m));
  const sigCount = new Map<string, number>();
  for (const sig of manySigs) sigCount.set(sig, (sigCount.get(sig) ?? 0) + 1);
  for (let a = 0; a < manySide.length; a++) {
    const ms = manySide[a];
    const sig = manySigs[a];
    const cands = oneGroups.get(sig);
    if (!cands) continue;
    let guard: Uint8Array | null = null;
    if (matchedAt && sigCount.get(sig)! > 1) {
      guard = matchedAt.get(sig) ?? new Uint8Array(n);
      matchedAt.set(sig, guard);
    }
    const outs: (StepSeries | null)[] = cands.map(() => null);
    for (let i = 0; i < n; i++) {
      if (!ms.present[i]) continue;
      let c = -1;
      for (let q = 0; q < cands.length; q++) if (oneSide[cands[q]].present[i]) { c = q; break; }
      if (c < 0) continue;
      const os = oneSide[cands[c]];
      const vl = swap ? os.values[i] : ms.values[i];
      const vr = swap ? ms.values[i] : os.values[i];
      const res = arith(op, vl, vr);
      let value: number;
      if (cmp) {
        if (returnBool) value = res;
        else if (res === 1) value = vl;
        else continue;
      } else value = res;
      if (guard) {
        if (guard[i]) throw new PromQLEvalError('MULTIPLE_MATCHES', EVAL_ERROR_CODES.MULTIPLE_MATCHES);
        guard[i] = 1;
      }
      let out = outs[c];
      if (!out) out = outs[c] = b.get(resultLabels(ms.labels, os.labels, op, m, returnBool));
      b.set(out, i, value, m.card === 'one-to-one' ? 'DUPLICATE_LABELSET' : 'NON_UNIQUE_GROUPING');
    }
  }
  return b.result();
}
