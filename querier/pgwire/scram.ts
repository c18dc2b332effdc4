/**
 * Server side of SCRAM-SHA-256 (RFC 5802 / RFC 7677) as PostgreSQL uses it: no channel
 * binding (the server does not offer TLS), the user name taken from the startup message
 * (clients send an empty "n=").
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

export const SCRAM_MECHANISM = 'SCRAM-SHA-256';
/** PostgreSQL's default scram_iterations. */
export const SCRAM_ITERATIONS = 4096;

/** What the server stores per user (PostgreSQL's pg_authid "SCRAM-SHA-256$iter:salt$StoredKey:ServerKey"). */
export interface ScramSecret {
  iterations: number;
  salt: Buffer;
  storedKey: Buffer;
  serverKey: Buffer;
}

const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest();

export function scramSecret(password: string, salt: Buffer = randomBytes(16), iterations = SCRAM_ITERATIONS): ScramSecret {
  // SASLprep of the password is skipped: for ASCII passwords it is the identity.
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, iterations, 32, 'sha256');
  return { iterations, salt, storedKey: sha256(hmac(salted, 'Client Key')), serverKey: hmac(salted, 'Server Key') };
}

/** Parses "a=1,b=2" attribute lists. */
function attributes(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq === 1) out.set(part[0]!, part.slice(2));
  }
  return out;
}

/** One SCRAM exchange; call `firstMessage`, then `finalMessage`. */
export class ScramExchange {
  private clientFirstBare = '';
  private serverFirst = '';
  private gs2Header = '';
  private nonce = '';

  constructor(private readonly secret: ScramSecret, private readonly serverNonce = randomBytes(18).toString('base64')) {}

  /** Takes client-first-message, returns server-first-message; throws Error on bad input. */
  firstMessage(clientFirst: string): string {
    // gs2-header: "n,," (client has no channel binding) or "y,," (client could, server did not offer it).
    const m = /^([ny]),(?:a=[^,]*)?,(.*)$/.exec(clientFirst);
    if (!m) throw new Error(clientFirst.startsWith('p=') ? 'channel binding is not supported' : 'malformed SCRAM client-first-message');
    this.gs2Header = clientFirst.slice(0, clientFirst.length - m[2]!.length);
    this.clientFirstBare = m[2]!;
    const clientNonce = attributes(this.clientFirstBare).get('r');
    if (!clientNonce) throw new Error('SCRAM client-first-message has no nonce');
    this.nonce = clientNonce + this.serverNonce;
    this.serverFirst = `r=${this.nonce},s=${this.secret.salt.toString('base64')},i=${this.secret.iterations}`;
    return this.serverFirst;
  }

  /** Checks client-final-message; returns server-final-message, or null when the proof is wrong. */
  finalMessage(clientFinal: string): string | null {
    const proofAt = clientFinal.lastIndexOf(',p=');
    if (proofAt < 0) throw new Error('SCRAM client-final-message has no proof');
    const withoutProof = clientFinal.slice(0, proofAt);
    const attrs = attributes(withoutProof);
    if (attrs.get('c') !== Buffer.from(this.gs2Header).toString('base64')) throw new Error('SCRAM channel binding data does not match');
    if (attrs.get('r') !== this.nonce) throw new Error('SCRAM nonce does not match');
    const proof = Buffer.from(clientFinal.slice(proofAt + 3), 'base64');
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    const clientSignature = hmac(this.secret.storedKey, authMessage);
    if (proof.length !== clientSignature.length) return null;
    const clientKey = Buffer.alloc(proof.length);
    for (let i = 0; i < proof.length; i++) clientKey[i] = proof[i]! ^ clientSignature[i]!;
    if (!timingSafeEqual(sha256(clientKey), this.secret.storedKey)) return null;
    return `v=${hmac(this.secret.serverKey, authMessage).toString('base64')}`;
  }
}
