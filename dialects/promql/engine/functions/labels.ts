// label_replace and label_join. Regular expressions are anchored; `$1`, `${1}` and `$name`
// in the replacement expand as Go's regexp.Expand does (a missing group expands to nothing).
import type { Evaluator } from '../evaluator.ts';
import { PromQLEvalError } from '../errors.ts';
import { compileLabelRegex } from '../../parser/index.ts';
import { relabelVector } from '../vector-ops.ts';
import type { Labels } from '../values.ts';
import { stringArg, type Kernel } from './kernel.ts';

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Go regexp.Expand over a JS match. */
export function goExpand(template: string, m: RegExpExecArray): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c !== '$' || i + 1 >= template.length) { out += c; continue; }
    const rest = template.slice(i + 1);
    if (rest[0] === '$') { out += '$'; i++; continue; }
    let name: string | null = null;
    let used = 0;
    const braced = /^\{([a-zA-Z0-9_]+)\}/.exec(rest);
    const bare = /^[a-zA-Z0-9_]+/.exec(rest);
    if (braced) { name = braced[1]; used = braced[0].length; } else if (bare) { name = bare[0]; used = bare[0].length; }
    if (name === null) { out += '$'; continue; }
    i += used;
    if (/^\d+$/.test(name)) out += m[Number(name)] ?? '';
    else out += m.groups?.[name] ?? '';
  }
  return out;
}

function setOrDelete(labels: Labels, name: string, value: string): Labels {
  const out = { ...labels };
  if (value === '') delete out[name]; else out[name] = value;
  return out;
}

export const LABEL_KERNELS: Record<string, Kernel> = {
  label_replace: async (ev: Evaluator, call) => {
    const v = await ev.evalVector(call.args[0]);
    const [dst, repl, src, regexText] = await Promise.all([1, 2, 3, 4].map((i) => stringArg(ev, call, i)));
    let re: RegExp;
    try {
      re = compileLabelRegex(regexText);
    } catch (e) {
      throw new PromQLEvalError('INVALID_ARGUMENT', `invalid regular expression in label_replace(): ${regexText}`, call.posRange);
    }
    if (!LABEL_NAME.test(dst)) throw new PromQLEvalError('INVALID_ARGUMENT', `invalid destination label name in label_replace(): ${dst}`, call.posRange);
    return relabelVector(ev, v, (labels) => {
      const m = re.exec(labels[src] ?? '');
      if (!m) return labels;
      return setOrDelete(labels, dst, goExpand(repl, m));
    });
  },
  label_join: async (ev: Evaluator, call) => {
    const v = await ev.evalVector(call.args[0]);
    const dst = await stringArg(ev, call, 1);
    const sep = await stringArg(ev, call, 2);
    const srcs: string[] = [];
    for (let i = 3; i < call.args.length; i++) {
      const s = await stringArg(ev, call, i);
      if (!LABEL_NAME.test(s)) throw new PromQLEvalError('INVALID_ARGUMENT', `invalid source label name in label_join(): ${s}`, call.posRange);
      srcs.push(s);
    }
    if (!LABEL_NAME.test(dst)) throw new PromQLEvalError('INVALID_ARGUMENT', `invalid destination label name in label_join(): ${dst}`, call.posRange);
    return relabelVector(ev, v, (labels) => setOrDelete(labels, dst, srcs.map((s) => labels[s] ?? '').join(sep)));
  },
};
