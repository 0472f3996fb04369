// Statement imports over HTTP: the file is the request body (any of the statement content types,
// or application/octet-stream) with options in the query string, or a multipart/form-data form
// with a `file` part and the options as fields.
import { Readable } from 'node:stream';
import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Value } from 'typebox/value';
import { AppError } from '../../domain/errors.ts';
import type { CsvMapping } from '../../formats/csv/layout.ts';
import { checkCsvMapping } from '../../formats/csv/mapping-schema.ts';
import { authOf } from '../../http/auth.ts';
import { assertNoNul } from '../../http/request-guards.ts';
import type { ServiceDeps } from '../../services/deps.ts';
import { pageDocuments } from '../../services/documents.ts';
import { importStatement } from '../../services/imports/import-statement.ts';
import { queueImport } from '../../services/imports/queued-import.ts';
import { getDocumentContent, getImportOrThrow } from '../../services/imports/reads.ts';
import { registerSchemas } from '../common.schemas.ts';
import { queuedImportExample, statementExamples } from '../openapi/examples.ts';
import { answer, pathId, problems, query, textAnswer, withScopes } from '../responses.ts';
import {
  ASYNC_FROM_BYTES,
  DocumentList,
  DocumentListQuery,
  DocumentParams,
  DocumentSchema,
  ImportFormSchema,
  ImportParams,
  ImportSchema,
  ImportRef as importRef,
  UploadOptions,
  uploadBody,
} from './imports.schemas.ts';

/** Content types a statement file may be sent as; all are read as raw bytes. */
const fileTypes = [
  'application/octet-stream',
  'text/plain',
  'text/csv',
  'application/xml',
  'text/xml',
  'application/x-ofx',
  'application/vnd.intu.qfx',
  'application/vnd.ms-excel',
];
const MAX_FILE_BYTES = 50 * 1024 * 1024;

/** The csv_mapping query parameter: JSON, checked against its schema (400 with pointers if not). */
function csvMappingOf(text: string | undefined): CsvMapping | undefined {
  if (text === undefined) return undefined;
  const { mapping, problems } = checkCsvMapping(text);
  if (problems)
    throw new AppError(
      'VALIDATION_FAILED',
      problems[0]?.path.length === 0 ? 'csv_mapping is not JSON.' : 'csv_mapping is not a valid mapping.',
      {
        fields: problems.map((problem) => ({
          in: 'query',
          path: ['csv_mapping', ...problem.path],
          detail: problem.message,
        })),
      },
    );
  return mapping;
}

export const importRoutes: FastifyPluginAsyncTypebox<{ engine: ServiceDeps }> = async (app, deps) => {
  const { engine } = deps;
  registerSchemas(app, [ImportSchema, ImportFormSchema, DocumentSchema]);
  app.register(uploadRoute, { engine });

  app.get(
    '/v1/imports/:id',
    {
      config: { scopes: ['imports:write'] },
      schema: {
        tags: ['Imports'],
        operationId: 'getImport',
        summary: 'An import: status, format, counts, issues',
        params: ImportParams,
        response: {
          200: answer(importRef, 'The import.'),
          ...problems(withScopes, pathId, { NOT_FOUND: 'No import imp_a2te6jig7sqmt4nq.' }),
        },
      },
    },
    async (request) => getImportOrThrow(engine.db, authOf(request).client.id, request.params.id),
  );

  app.get(
    '/v1/documents',
    {
      config: { scopes: ['data:read'] },
      schema: {
        tags: ['Imports'],
        operationId: 'listDocuments',
        summary: 'The stored statement files, newest first',
        querystring: DocumentListQuery,
        response: {
          200: answer(DocumentList, 'Stored statement files, newest first.'),
          ...problems(withScopes, query),
        },
      },
    },
    async (request) => {
      const { connection_id, created_from, created_to, ...page } = request.query;
      return pageDocuments(
        engine,
        authOf(request).client.id,
        {
          ...(connection_id ? { connectionIds: [connection_id] } : {}),
          ...(created_from ? { createdFrom: new Date(created_from) } : {}),
          ...(created_to ? { createdTo: new Date(created_to) } : {}),
        },
        page,
      );
    },
  );

  app.get(
    '/v1/documents/:id/content',
    {
      config: { scopes: ['data:read'] },
      schema: {
        tags: ['Imports'],
        operationId: 'getDocumentContent',
        summary: 'The imported file, byte for byte',
        params: DocumentParams,
        response: {
          200: textAnswer(
            fileTypes,
            'The file, as the statement type it was uploaded as (else application/octet-stream).',
            statementExamples,
          ),
          ...problems(withScopes, pathId, { NOT_FOUND: 'No document doc_sb897jf129cl24pl.' }),
        },
      },
    },
    async (request, reply) => {
      const document = await getDocumentContent(engine.db, authOf(request).client.id, request.params.id);
      if (document.filename)
        reply.header(
          'content-disposition',
          `attachment; filename="${document.filename.replace(/[^\w.-]/g, '_')}"`,
        );
      // The file is the user's, not a page of ours: it is served as what it was uploaded as only
      // when that is a statement type, never sniffed, and never rendered.
      return reply
        .type(fileTypes.includes(document.content_type) ? document.content_type : 'application/octet-stream')
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; sandbox")
        .header('content-length', String(document.size))
        .send(Readable.from(document.parts));
    },
  );
};

/**
 * POST /v1/imports. The file types are read as raw bytes by the upload route only (its own
 * encapsulated context): everywhere else they stay unsupported media types. JSON, forms and JWE are
 * not parsed here at all: a parsed value is not a file (the number 60000000 once became a 60 MB
 * document).
 */
const uploadRoute: FastifyPluginAsyncTypebox<{ engine: ServiceDeps }> = async (app, { engine }) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    fileTypes,
    { parseAs: 'buffer', bodyLimit: MAX_FILE_BYTES },
    (_request, body, done) => done(null, body),
  );
  await app.register(multipart, {
    limits: { fileSize: MAX_FILE_BYTES, files: 1, fields: 20, fieldSize: 8192 },
  });

  app.post(
    '/v1/imports',
    {
      config: { scopes: ['imports:write'] },
      bodyLimit: MAX_FILE_BYTES,
      schema: {
        tags: ['Imports'],
        operationId: 'createImport',
        summary: 'Import a statement file',
        description:
          'Send the file as the body, or as the `file` part of a multipart/form-data form whose other ' +
          'fields are the options below. The format is detected from the content (OFX/QFX, camt.052/053/054, ' +
          'MT940/942, Norma 43, QIF, CSV; see docs/imports.md). The file becomes a connection (or is added to `connection_id`) whose accounts ' +
          "and transactions are served like a bank's; re-importing the same or an overlapping file adds " +
          'nothing twice. A file with errors answers 422 IMPORT_UNREADABLE with its issues and stores nothing.',
        querystring: UploadOptions,
        documentedBody: uploadBody(fileTypes),
        response: {
          201: answer(importRef, 'Imported: the connection, the document and what was added.'),
          202: answer(
            importRef,
            'Stored and queued: follow it with GET /v1/imports/{id}.',
            queuedImportExample,
          ),
          // The body is read by this route alone: no JWE here, and a form's bad fields are 400s too.
          ...problems(
            withScopes,
            query,
            'MALFORMED_BODY',
            'PAYLOAD_TOO_LARGE',
            'UNSUPPORTED_MEDIA_TYPE',
            'IMPORT_UNREADABLE',
            { NOT_FOUND: 'No connection con_02ybema72dzuabcb.' },
          ),
        },
      },
    },
    async (request, reply) => {
      const upload = request.isMultipart()
        ? await multipartUpload(request, request.query)
        : bodyUpload(request, request.query);
      const { options } = upload;
      const input = {
        // A Buffer is a Uint8Array: no copy of a file that may be tens of megabytes.
        bytes: upload.bytes,
        contentType: upload.contentType,
        filename: options.filename ?? upload.filename,
        format: options.format,
        connectionId: options.connection_id,
        accountId: options.account_id,
        externalId: options.external_id,
        currency: options.currency,
        csvMapping: csvMappingOf(options.csv_mapping),
        encoding: options.encoding,
      };
      const clientId = authOf(request).client.id;
      if (options.async || input.bytes.length > ASYNC_FROM_BYTES) {
        reply.code(202);
        return queueImport(engine, clientId, input);
      }
      reply.code(201);
      return importStatement(engine, clientId, input);
    },
  );
};

/** A file sent as the body itself (the content-type parsers above give it as bytes). */
function bodyUpload(request: FastifyRequest, options: UploadOptions) {
  const { body } = request;
  if (body !== undefined && !Buffer.isBuffer(body))
    throw new AppError(
      'UNSUPPORTED_MEDIA_TYPE',
      'Send the file itself as the body, or as multipart/form-data.',
    );
  return {
    options,
    bytes: body ?? Buffer.alloc(0),
    contentType: request.headers['content-type'] ?? 'application/octet-stream',
    filename: undefined,
  };
}

/**
 * A multipart/form-data upload: one file part (`file`) and the options as fields; query-string
 * options still apply, fields win. Bad fields are a 400 with pointers into the body.
 */
async function multipartUpload(request: FastifyRequest, query: UploadOptions) {
  const fields: Record<string, string> = {};
  let file: { bytes: Buffer; contentType: string; filename: string } | null = null;
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file') {
          await part.toBuffer();
          throw new AppError('VALIDATION_FAILED', 'The file goes in the part named "file".', {
            fields: [{ in: 'body', path: [part.fieldname], detail: 'is not a known file part (use "file")' }],
          });
        }
        file = { bytes: await part.toBuffer(), contentType: part.mimetype, filename: part.filename };
      } else fields[part.fieldname] = String(part.value);
    }
  } catch (error) {
    // The multipart parser's own refusals (no boundary, a cut body) carry no HTTP status.
    const status = typeof error === 'object' && error !== null && 'statusCode' in error && error.statusCode;
    if (error instanceof AppError || typeof status === 'number') throw error;
    throw new AppError(
      'MALFORMED_BODY',
      `The multipart/form-data body could not be read: ${(error as Error).message}.`,
    );
  }
  assertNoNul(fields);
  const merged = Value.Convert(UploadOptions, { ...query, ...fields });
  if (!file || !Value.Check(UploadOptions, merged))
    throw new AppError('VALIDATION_FAILED', 'The upload is not valid.', {
      fields: [
        ...(file ? [] : [{ in: 'body' as const, path: ['file'], detail: 'is required: the statement file' }]),
        ...Value.Errors(UploadOptions, merged).map((error) => ({
          in: 'body' as const,
          path: error.instancePath
            ? error.instancePath.split('/').slice(1)
            : [error.keyword === 'additionalProperties' ? String(error.params.additionalProperties) : ''],
          detail: error.message,
        })),
      ],
    });
  return {
    options: merged,
    bytes: file.bytes,
    contentType: file.contentType,
    filename: file.filename,
  };
}
