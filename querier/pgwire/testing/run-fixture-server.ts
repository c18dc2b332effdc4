/**
 * Runs the fixture server in the foreground for trying clients by hand:
 *   node --import tsx querier/pgwire/testing/run-fixture-server.ts
 * PGWIRE_AUTH=password|scram requires user alice, password secret.
 */
import { startFixtureServer } from './fixture-server.ts';

const auth = process.env.PGWIRE_AUTH === 'scram' ? { method: 'scram-sha-256' as const, users: { alice: 'secret' } }
  : process.env.PGWIRE_AUTH === 'password' ? { method: 'password' as const, users: { alice: 'secret' } } : undefined;
const s = await startFixtureServer(auth);
console.log(`fixture pg wire server on 127.0.0.1:${s.port}`);
process.on('SIGTERM', () => void s.close().then(() => process.exit(0)));
