/**
 * The data model's vocabulary: tables, columns, tags and metrics. Nothing here knows about a
 * store or a protocol; adapters map `ColumnType` to their own types and the querier reads
 * encodings and aggregation semantics from here.
 */

/** Storage type of a column. `timestamp` is microseconds since the Unix epoch, UTC. */
export type ColumnType =
  | 'timestamp'
  | 'int8' | 'int16' | 'int32' | 'int64'
  | 'uint8' | 'uint16' | 'uint32' | 'uint64'
  | 'float64'
  | 'bool'
  | 'string';

/** Resource kinds whose names are SmartEncoded into integer IDs (dictionary type names). */
export type ResourceType =
  | 'region' | 'az' | 'host' | 'gprocess'
  | 'pod_cluster' | 'pod_node' | 'pod_ns' | 'pod_group' | 'pod' | 'pod_service'
  | 'prometheus_metric' | 'prometheus_series';

/**
 * How a tag is kept on rows.
 * - resource: an integer ID (uint32) on rows, the name in the `flow_tag` dictionary; queried as
 *   `<tag>` (name) and `<tag>_id` (ID); custom tags (k8s.label.*) hang off the dictionary entry.
 * - enum: a small integer on rows, names from a fixed table in `enums.ts`.
 * - plain: the value itself (ports, paths, trace ids).
 */
export type TagEncoding =
  | { kind: 'resource'; resource: ResourceType }
  | { kind: 'enum'; enumName: string }
  | { kind: 'plain' };

/**
 * How a metric combines when rows are rolled up (DeepFlow's semantics):
 * - counter: sum (requests, bytes, errors);
 * - delay: average over non-zero values only (a zero means "not measured");
 * - max / min: the extreme value;
 * - gauge: average.
 */
export type MetricAggregation = 'counter' | 'delay' | 'max' | 'min' | 'gauge';

export type ColumnRole = 'time' | 'tag' | 'metric';

export interface ColumnDef {
  /** Name of the stored column (for resource tags, the `_id` form: `pod_id_1`). */
  name: string;
  type: ColumnType;
  role: ColumnRole;
  description: string;
  /** Present when role is 'tag'. */
  encoding?: TagEncoding;
  /** For two-sided tables: 0 = client side, 1 = server side. */
  side?: 0 | 1;
  /** Present when role is 'metric'. */
  aggregation?: MetricAggregation;
  /** Unit of a metric or a time-like column (µs, bytes, count). */
  unit?: string;
}

export interface TableDef {
  database: string;
  name: string;
  /** `database.name`, the name users write. */
  fullName: string;
  description: string;
  /** Metrics tables: rollup interval. */
  interval?: '1s' | '1m';
  /** Two-sided (client _0 / server _1) tags. */
  sided: boolean;
  columns: ColumnDef[];
  /** Columns a store should order/cluster rows by (after time). */
  sortKey: string[];
}

/** A name a user can write in a query and what it reads. */
export interface FieldDef {
  /** Query-visible name: `pod_1`, `pod_id_1`, `l7_protocol`, `response_duration`. */
  name: string;
  column: ColumnDef;
  /**
   * 'name' for a resource tag's name (decoded through the dictionary), 'id' for its ID,
   * 'enum-name' for an enum shown by name, 'value' for everything else.
   */
  view: 'name' | 'id' | 'enum-name' | 'value';
  /** Type the user sees (names are strings even though the row holds an ID). */
  type: ColumnType;
}
