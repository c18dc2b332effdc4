/**
 * Client authentication: trust (default), cleartext password, or SCRAM-SHA-256 against a
 * configured users map. Each connection runs one `AuthExchange`; a failure is a FATAL
 * SqlError with PostgreSQL's message and SQLSTATE.
 */
import { timingSafeEqual, randomBytes } from 'node:crypto';
import { SqlError, SqlState } from '../../lib/errors.ts';
import { serialize } from './backend-messages.ts';
import type { ByteWriter } from './bytes.ts';
import { parsePasswordMessage, parseSaslInitialResponse } from './frontend-messages.ts';
import { SCRAM_MECHANISM, ScramExchange, scramSecret, type ScramSecret } from './scram.ts';

/** How clients prove who they are. Passwords are in clear in the config, as the users map gives them. */
export type AuthConfig =
  | { method: 'trust' }
  | { method: 'password'; users: Readonly<Record<string, string>> }
  | { method: 'scram-sha-256'; users: Readonly<Record<string, string>> };

function authFailed(user: string): SqlError {
  return new SqlError(SqlState.invalidPassword, `password authentication failed for user "${user}"`, { severity: 'FATAL' });
}

/** Derives SCRAM secrets once per server, not per connection (PBKDF2 is deliberately slow). */
export class ScramSecrets {
  private readonly secrets = new Map<string, ScramSecret>();
  /** Unknown users get a throwaway secret so the exchange looks the same and fails at the end. */
  private readonly decoy = scramSecret(randomBytes(16).toString('hex'));

  constructor(users: Readonly<Record<string, string>>) {
    for (const [user, password] of Object.entries(users)) this.secrets.set(user, scramSecret(password));
  }

  get(user: string): { secret: ScramSecret; known: boolean } {
    const secret = this.secrets.get(user);
    return secret ? { secret, known: true } : { secret: this.decoy, known: false };
  }
}

/** One connection's authentication; `start` then `respond` to each 'p' message until done. */
export class AuthExchange {
  private scram: ScramExchange | null = null;
  private scramKnownUser = false;

  constructor(private readonly config: AuthConfig, private readonly user: string, private readonly scramSecrets: ScramSecrets | null) {}

  /** Sends the first request; returns true when no exchange is needed (trust). */
  start(w: ByteWriter): boolean {
    switch (this.config.method) {
      case 'trust':
        return true;
      case 'password':
        serialize.authenticationCleartextPassword(w);
        return false;
      case 'scram-sha-256':
        serialize.authenticationSasl(w, [SCRAM_MECHANISM]);
        return false;
    }
  }

  /** Handles one password/SASL message; returns true when the client is authenticated. */
  respond(w: ByteWriter, body: Buffer): boolean {
    if (this.config.method === 'password') {
      const given = Buffer.from(parsePasswordMessage(body));
      const expected = this.config.users[this.user];
      if (expected === undefined || given.length !== Buffer.byteLength(expected) || !timingSafeEqual(given, Buffer.from(expected))) {
        throw authFailed(this.user);
      }
      return true;
    }
    if (this.config.method !== 'scram-sha-256' || !this.scramSecrets) {
      throw new SqlError(SqlState.protocolViolation, 'unexpected password message', { severity: 'FATAL' });
    }
    try {
      if (!this.scram) {
        const { mechanism, data } = parseSaslInitialResponse(body);
        if (mechanism !== SCRAM_MECHANISM) {
          throw new SqlError(SqlState.protocolViolation, 'client selected an invalid SASL authentication mechanism', { severity: 'FATAL' });
        }
        const { secret, known } = this.scramSecrets.get(this.user);
        this.scramKnownUser = known;
        this.scram = new ScramExchange(secret);
        serialize.authenticationSaslContinue(w, this.scram.firstMessage(data.toString('utf8')));
        return false;
      }
      const serverFinal = this.scram.finalMessage(body.toString('utf8'));
      if (serverFinal === null || !this.scramKnownUser) throw authFailed(this.user);
      serialize.authenticationSaslFinal(w, serverFinal);
      return true;
    } catch (err) {
      if (err instanceof SqlError) throw err;
      throw new SqlError(SqlState.protocolViolation, `malformed SCRAM message: ${(err as Error).message}`, { severity: 'FATAL' });
    }
  }
}
