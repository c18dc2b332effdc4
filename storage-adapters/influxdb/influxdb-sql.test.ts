/**
 * The SQL conformance suite on a real influxd: its filtered scans (the only pushdown it
 * claims) must let the querier give the reference PostgreSQL's answer to every corpus query.
 */
import { withInfluxd } from '../../lib/testing/influxdb.ts';
import { sqlConformance } from '../../querier/conformance/sql-conformance.ts';
import { InfluxDBAdapter } from './influxdb-adapter.ts';

await withInfluxd('influxdb SQL conformance', (server) => {
  sqlConformance('influxdb', async () => new InfluxDBAdapter(`influxdb://${new URL(server.base).host}/${server.database()}`));
});
