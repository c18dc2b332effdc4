/**
 * HTTP receivers: `POST /v1/ingest/<db>.<table>` (Arrow IPC stream), `/v1/ingest/resources`
 * (JSON) and Prometheus remote write at `/api/v1/write` (and `/prom/api/v1/write`).
 */
import type { FastifyInstance, FastifyError } from 'fastify';
import { IngestError } from './errors.ts';
import type { Ingester } from './ingester.ts';

export const ARROW_STREAM = 'application/vnd.apache.arrow.stream';

/** Fastify's own body errors, in our error shape. */
function fromFastify(e: FastifyError): IngestError | undefined {
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE': return new IngestError('BODY_TOO_LARGE', e.message);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': return new IngestError('BAD_CONTENT_TYPE', `${e.message}; send ${ARROW_STREAM} or application/json for resources`);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY': return new IngestError('EMPTY_BODY', 'send a JSON array of resources');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH': return new IngestError('BAD_ARROW', e.message);
    default:
      if (e instanceof SyntaxError || e.statusCode === 400) return new IngestError('BAD_JSON', e.message);
      return undefined;
  }
}

export async function registerIngestRoutes(app: FastifyInstance, deps: { ingester: Ingester; bodyLimit: number }): Promise<void> {
  app.addContentTypeParser(ARROW_STREAM, { parseAs: 'buffer', bodyLimit: deps.bodyLimit }, (_req, body, done) => done(null, body));

  // Prometheus remote write: snappy-compressed protobuf, answered 204 like Prometheus does.
  app.addContentTypeParser('application/x-protobuf', { parseAs: 'buffer', bodyLimit: deps.bodyLimit }, (_req, body, done) => done(null, body));
  for (const path of ['/api/v1/write', '/prom/api/v1/write']) {
    app.post(path, { bodyLimit: deps.bodyLimit }, async (req, reply) => {
      await deps.ingester.remoteWrite.receive((req.body as Buffer | undefined) ?? Buffer.alloc(0));
      return reply.code(204).send();
    });
  }

  app.post('/v1/ingest/resources', { bodyLimit: deps.bodyLimit }, async (req) => deps.ingester.ingestResources(req.body));

  app.post<{ Params: { table: string } }>('/v1/ingest/:table', { bodyLimit: deps.bodyLimit }, async (req, reply) => {
    const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim();
    if (type !== ARROW_STREAM) {
      throw new IngestError('BAD_CONTENT_TYPE', `'${type || 'none'}'; send ${ARROW_STREAM}`, { table: req.params.table });
    }
    const body = (req.body as Buffer | undefined) ?? Buffer.alloc(0);
    const result = await deps.ingester.ingestArrow(req.params.table, body);
    return reply.code(200).send(result);
  });
}

/** Error handler for the whole HTTP app: typed errors keep their status and JSON shape. */
export function ingestErrorReply(e: FastifyError | Error): { status: number; body: Record<string, unknown> } | undefined {
  const err = e instanceof IngestError ? e : fromFastify(e as FastifyError);
  return err ? { status: err.status, body: err.toJSON() } : undefined;
}
