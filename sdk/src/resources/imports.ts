// Statement imports (a bank file becomes a connection served like a bank's) and the stored files.
import type { RequestOptions } from '../http.ts';
import { listByQuery, type Query, Resource } from '../operations.ts';

/** A statement file: its bytes, as text, a Blob or a stream. */
export type StatementFile = string | Uint8Array | ArrayBuffer | Blob | ReadableStream<Uint8Array>;

export class Imports extends Resource {
  /**
   * Imports a statement file (OFX/QFX, camt, MT940, Norma 43, QIF, CSV; detected from the content).
   * The import is done when this resolves, or, with `async: true` or a large file, queued: then
   * `status` says so and `get` follows it.
   */
  readonly create = this.endpoint(
    'POST /v1/imports',
    (call) =>
      (file: StatementFile, query: Query<'POST /v1/imports'> = {}, options?: RequestOptions) =>
        call(
          {
            query,
            body: file,
            raw: true,
            headers: { 'content-type': 'application/octet-stream' },
          },
          options,
        ),
  );

  /** An import: status, format, counts, issues. */
  readonly get = this.endpoint(
    'GET /v1/imports/{id}',
    (call) => (id: string, options?: RequestOptions) => call({ path: { id } }, options),
  );
}

export class Documents extends Resource {
  /** The stored statement files, newest first. */
  readonly list = this.endpoint(
    'GET /v1/documents',
    (call) =>
      (query: Query<'GET /v1/documents'> = {}, options?: RequestOptions) =>
        listByQuery(call, { query }, options),
  );

  /** A stored file, byte for byte. */
  readonly content = this.endpoint(
    'GET /v1/documents/{id}/content',
    (call) => (id: string, options?: RequestOptions) => call.bytes({ path: { id } }, options),
  );
}
