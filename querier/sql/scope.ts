/**
 * Name resolution for one FROM item: a stored table (query names such as `pod_1` map to
 * `tag(pod, pod_id_1)`, custom tags resolve through the owning resource) or a derived table
 * (subquery, CTE) whose columns are its output labels.
 */
import type { Expr } from '../../storage-adapters/fragment.ts';
import { queryFields, customTag, type TableDef, type FieldDef } from '../../schema/index.ts';
import { col, sqlTypeOf } from './plan.ts';

export interface Scope {
  /** Qualifiers this scope answers to (table name, alias). */
  qualifiers: string[];
  /** The expression a column name denotes, or undefined. */
  resolve(name: string): Expr | undefined;
  /** Names for "did you mean" hints. */
  names(): string[];
  /** `SELECT *` / `t.*`: labels and expressions in table order. */
  star(): Array<{ label: string; expr: Expr }>;
}

/** A scope over a stored table; `use` records which stored columns the scan must read. */
export function tableScope(table: TableDef, alias: string | null, use: (column: string) => void): Scope {
  const fields = queryFields(table);
  const exprOf = (f: FieldDef): Expr => {
    const c = f.column;
    use(c.name);
    const stored = col(c.name, sqlTypeOf(c.type));
    if (f.view === 'name' && c.encoding?.kind === 'resource') return { kind: 'tag', tag: { kind: 'resource', resource: c.encoding.resource }, arg: stored, type: 'text' };
    if (f.view === 'enum-name' && c.encoding?.kind === 'enum') return { kind: 'tag', tag: { kind: 'enum', enumName: c.encoding.enumName }, arg: stored, type: 'text' };
    return stored;
  };
  return {
    qualifiers: alias ? [alias] : [table.name, table.fullName],
    resolve(name) {
      const f = fields.get(name);
      if (f) return exprOf(f);
      const custom = customTag(table, name);
      if (!custom) return undefined;
      // The most specific owning resource on the row answers (pod before namespace ...).
      const via = custom.via[0]!;
      use(via.name);
      const resource = via.encoding?.kind === 'resource' ? via.encoding.resource : '';
      return { kind: 'tag', tag: { kind: 'custom', resource, key: custom.key }, arg: col(via.name, 'int'), type: 'text' };
    },
    names: () => [...fields.keys()],
    star: () => [...fields.values()].map((f) => ({ label: f.name, expr: exprOf(f) })),
  };
}

/** A scope over a derived table's output columns. */
export function derivedScope(alias: string | null, columns: Array<{ label: string; expr: Expr }>): Scope {
  return {
    qualifiers: alias ? [alias] : [],
    resolve: (name) => columns.find((c) => c.label === name)?.expr,
    names: () => columns.map((c) => c.label),
    star: () => columns,
  };
}
