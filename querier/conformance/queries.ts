/**
 * The shared SQL corpus: each query runs unchanged on MetaFlow and on PostgreSQL 15 holding
 * the same rows as plain names, and must give the same answer. Every query orders its result
 * completely so the comparison is row by row.
 */
export const CONFORMANCE_QUERIES: string[] = [
  // projections, filters, operators
  `SELECT time, pod_0, pod_1, endpoint FROM flow_log.l7_flow_log WHERE pod_1 = 'web-0' ORDER BY time LIMIT 20`,
  `SELECT count(*) FROM l7_flow_log WHERE pod_1 <> 'web-0'`,
  `SELECT count(*) FROM l7_flow_log WHERE pod_1 IN ('db-0', 'cache-0') AND l7_protocol = 'HTTP'`,
  `SELECT count(*) FROM l7_flow_log WHERE pod_1 NOT IN ('db-0', 'cache-0')`,
  `SELECT count(*) FROM l7_flow_log WHERE pod_0 LIKE 'web%' OR pod_0 ILIKE 'CART%'`,
  `SELECT count(*) FROM l7_flow_log WHERE pod_0 NOT LIKE '%-0'`,
  `SELECT count(*) FROM l7_flow_log WHERE endpoint ~ '^/api/(cart|items)$'`,
  `SELECT count(*) FROM l7_flow_log WHERE endpoint ~* 'login' AND endpoint !~ 'cart'`,
  `SELECT count(*) FROM l7_flow_log WHERE response_duration BETWEEN 1000 AND 100000`,
  `SELECT count(*) FROM l7_flow_log WHERE response_duration NOT BETWEEN 1000 AND 100000`,
  `SELECT count(*) FROM l7_flow_log WHERE pod_0 IS NULL`,
  `SELECT count(*) FROM l7_flow_log WHERE pod_0 IS NOT NULL AND response_code IS NULL`,
  `SELECT count(*) FROM l7_flow_log WHERE NOT (pod_1 = 'web-0') AND NOT (request_type = 'GET')`,
  `SELECT count(*) FROM l7_flow_log WHERE time >= '2024-01-15T10:10:00Z' AND time < '2024-01-15 10:30:00+00'`,
  `SELECT endpoint, response_code, response_duration / 1000 AS ms, response_duration % 7 AS m, request_length * 2 + 1 AS x FROM l7_flow_log WHERE server_port = 443 ORDER BY time LIMIT 15`,
  `SELECT upper(pod_1) AS p, lower(endpoint) AS e, length(endpoint) AS n, pod_1 || ':' || server_port AS s FROM l7_flow_log WHERE pod_1 IS NOT NULL ORDER BY time LIMIT 10`,
  `SELECT CASE WHEN response_duration > 100000 THEN 'slow' WHEN response_duration > 0 THEN 'fast' ELSE 'unmeasured' END AS speed, count(*) FROM l7_flow_log GROUP BY 1 ORDER BY 1`,
  `SELECT COALESCE(pod_0, 'external') AS client, count(*) AS n FROM l7_flow_log GROUP BY 1 ORDER BY n DESC, client`,
  `SELECT response_code::text AS code, CAST(request_length AS double precision) / 3 AS third FROM l7_flow_log WHERE response_code IS NOT NULL ORDER BY time LIMIT 10`,
  `SELECT abs(response_code - 300) AS d, round(request_length / 7.0) AS r, floor(request_length / 100.0) AS f, ceil(request_length / 100.0) AS c, sqrt(request_length) AS s FROM l7_flow_log ORDER BY time LIMIT 10`,
  // aggregates and grouping
  `SELECT pod_1, count(*) AS requests, sum(request_length) AS bytes, avg(response_duration) AS avg_us, min(response_duration) AS mn, max(response_duration) AS mx FROM l7_flow_log GROUP BY pod_1 ORDER BY pod_1 NULLS FIRST`,
  `SELECT l7_protocol, count(DISTINCT pod_1) AS servers, count(request_type) AS typed FROM l7_flow_log GROUP BY l7_protocol ORDER BY l7_protocol`,
  `SELECT pod_0, pod_1, count(*) FROM l7_flow_log GROUP BY pod_0, pod_1 ORDER BY 3 DESC, 1 NULLS LAST, 2 NULLS LAST LIMIT 10`,
  `SELECT response_status, percentile_cont(0.5) WITHIN GROUP (ORDER BY response_duration) AS p50, percentile_cont(0.99) WITHIN GROUP (ORDER BY response_duration) AS p99, percentile_disc(0.9) WITHIN GROUP (ORDER BY response_duration) AS p90 FROM l7_flow_log GROUP BY response_status ORDER BY response_status`,
  `SELECT request_type, stddev(response_duration) AS sd, stddev_pop(response_duration) AS sdp, variance(request_length) AS v FROM l7_flow_log GROUP BY request_type ORDER BY request_type NULLS FIRST`,
  `SELECT pod_1, count(*) AS n FROM l7_flow_log GROUP BY pod_1 HAVING count(*) > 60 ORDER BY n DESC, pod_1`,
  `SELECT endpoint, avg(response_duration) AS a FROM l7_flow_log WHERE endpoint IS NOT NULL GROUP BY endpoint HAVING avg(response_duration) > 50000 ORDER BY a DESC`,
  `SELECT upper(l7_protocol) AS proto, count(*) FROM l7_flow_log GROUP BY upper(l7_protocol) ORDER BY 1`,
  `SELECT count(*) FILTER (WHERE response_status = 'ok') AS ok, count(*) FILTER (WHERE response_status <> 'ok') AS bad, count(*) FROM l7_flow_log`,
  `SELECT "k8s.label.app_1" AS app, count(*) FROM l7_flow_log GROUP BY 1 ORDER BY 1 NULLS FIRST`,
  `SELECT pod_1, count(*) FROM l7_flow_log WHERE "k8s.label.app_1" = 'web' GROUP BY pod_1 ORDER BY pod_1`,
  `SELECT DISTINCT pod_ns_1 FROM l7_flow_log ORDER BY pod_ns_1 NULLS LAST`,
  `SELECT min(time) AS first, max(time) AS last, count(*) FROM l7_flow_log`,
  // time bucketing
  `SELECT date_trunc('minute', time) AS m, count(*) FROM l7_flow_log GROUP BY 1 ORDER BY 1 LIMIT 10`,
  `SELECT date_trunc('hour', time) AS h, sum(request_length) FROM l7_flow_log GROUP BY 1 ORDER BY 1`,
  `SELECT date_bin('5 minutes', time, '2024-01-01') AS b, pod_1, count(*) FROM l7_flow_log WHERE pod_1 = 'db-0' GROUP BY 1, 2 ORDER BY 1`,
  `SELECT extract(minute FROM time) AS mi, count(*) FROM l7_flow_log GROUP BY 1 ORDER BY 1 LIMIT 12`,
  `SELECT date_part('hour', time) AS h, date_part('epoch', time) AS e FROM l7_flow_log ORDER BY time LIMIT 3`,
  // ordering, limits, subqueries, CTEs, unions
  `SELECT pod_1, response_duration FROM l7_flow_log ORDER BY response_duration DESC, time LIMIT 5 OFFSET 3`,
  `SELECT pod_0 FROM l7_flow_log ORDER BY pod_0 NULLS FIRST, time LIMIT 15`,
  `SELECT endpoint FROM l7_flow_log ORDER BY endpoint DESC NULLS LAST, time LIMIT 8`,
  `SELECT s.pod_1, s.n FROM (SELECT pod_1, count(*) AS n FROM l7_flow_log GROUP BY pod_1) s WHERE s.n > 50 ORDER BY s.n DESC, s.pod_1`,
  `SELECT avg(n) FROM (SELECT date_trunc('minute', time) AS m, count(*) AS n FROM l7_flow_log GROUP BY 1) per_minute`,
  `WITH slow AS (SELECT pod_1, response_duration FROM l7_flow_log WHERE response_duration > 200000) SELECT pod_1, count(*), max(response_duration) FROM slow GROUP BY pod_1 ORDER BY pod_1 NULLS LAST`,
  `SELECT pod_0 AS pod, 'client' AS side FROM l7_flow_log WHERE pod_0 = 'db-0' UNION ALL SELECT pod_1, 'server' FROM l7_flow_log WHERE pod_1 = 'db-0' ORDER BY 2, 1 LIMIT 5`,
  `SELECT a.pod_1, a.n, b.m FROM (SELECT pod_1, count(*) AS n FROM l7_flow_log GROUP BY pod_1) a JOIN (SELECT pod_0, count(*) AS m FROM l7_flow_log GROUP BY pod_0) b ON a.pod_1 = b.pod_0 ORDER BY a.pod_1`,
  `SELECT count(*) FROM l7_flow_log WHERE time > (TIMESTAMP '2024-01-15 10:30:00' - interval '10 minutes')`,
  `SELECT 1 + 2 AS three, 'x' || 'y' AS xy, 7 / 2 AS half, 7.0 / 2 AS fhalf`,
];
