// Schemas of statement imports: the options of an upload (query string or multipart fields), the
// import as the API shows it, and the ids of imports and stored documents.
import { type Static, Type } from 'typebox';
import { productIdPrefix } from '../../domain/products.ts';
import { NAMED_ENCODINGS } from '../../formats/encoding.ts';
import { supportedFormats } from '../../formats/index.ts';
import { Page, PageQuery } from '../../http/pagination.ts';
import { IdParam, IdParams, Nullable, Ref, StringEnum } from '../common.schemas.ts';
import {
  csvStatementExample,
  documentExample,
  importExample,
  pageExample,
  statementExamples,
} from '../openapi/examples.ts';

/** Larger files are answered 202 and imported by a job (GET /v1/imports/{id} follows it). */
export const ASYNC_FROM_BYTES = 2 * 1024 * 1024;

/** What an upload may say about its file: in the query string, or as fields of a multipart form. */
export const UploadOptions = Type.Object(
  {
    format: Type.Optional(StringEnum(supportedFormats)),
    connection_id: Type.Optional(IdParam('con')),
    account_id: Type.Optional(
      IdParam(productIdPrefix.accounts, {
        description:
          'Add the movements of a one-account file (a QIF or CSV export, say) to this existing account ' +
          'of a statement-import connection; the file takes its currency, and the account keeps its details.',
      }),
    ),
    external_id: Type.Optional(Type.String({ maxLength: 256 })),
    filename: Type.Optional(Type.String({ maxLength: 256 })),
    currency: Type.Optional(
      Type.String({
        pattern: '^[A-Z]{3}$',
        description: 'For files that state no currency (QIF): the currency of their amounts.',
      }),
    ),
    encoding: Type.Optional(
      StringEnum(NAMED_ENCODINGS, {
        description:
          'The file’s encoding, when you know it. Otherwise: a BOM, else UTF-8, else Windows-1252 or ' +
          'Windows-1250 (Central European banks) by the letters the file holds, said in a warning.',
      }),
    ),
    async: Type.Optional(
      Type.Boolean({
        description: `Answer 202 at once and import in the background (always so above ${ASYNC_FROM_BYTES / 1048576} MiB).`,
      }),
    ),
    csv_mapping: Type.Optional(
      Type.String({
        maxLength: 4096,
        description:
          'CSV only, JSON: which column holds what (date, amount or debit/credit, description, …), ' +
          'when detection is not certain. A CSV that needs one answers 422 with what was detected.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type UploadOptions = Static<typeof UploadOptions>;

export const ImportSchema = Type.Object(
  {
    id: Type.String(),
    status: StringEnum(['processing', 'completed', 'failed'] as const),
    format: Type.Union([Type.String(), Type.Null()]),
    connection_id: Type.Union([Type.String(), Type.Null()]),
    document_id: Type.Union([Type.String(), Type.Null()]),
    summary: Type.Object({}, { additionalProperties: true }),
    issues: Type.Array(Type.Object({}, { additionalProperties: true })),
    created_at: Type.String({ format: 'date-time' }),
    finished_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  {
    $id: 'Import',
    description: 'A statement file imported, or being imported: its format, counts and issues.',
    examples: [importExample],
  },
);

export const ImportRef = Ref(ImportSchema);

/**
 * The body of POST /v1/imports, for the document: the file itself as any of `fileTypes`, or a
 * multipart/form-data form. Fastify does not validate it (the route reads the bytes itself).
 */
export function uploadBody(fileTypes: readonly string[]) {
  const file = (type: string) => ({
    schema: {
      type: 'string',
      contentMediaType: type,
      examples: [statementExamples[type] ?? csvStatementExample],
    },
  });
  return {
    content: {
      ...Object.fromEntries(fileTypes.map((type) => [type, file(type)])),
      'multipart/form-data': { schema: Ref(ImportFormSchema) },
    },
  };
}

/**
 * The multipart/form-data form of an upload: the file, and the options as fields. Documentation
 * only: the route reads the form itself (multipartUpload), checking the options with UploadOptions.
 */
export const ImportFormSchema = Type.Object(
  {
    file: Type.String({ contentMediaType: 'application/octet-stream', description: 'The statement file.' }),
    ...UploadOptions.properties,
  },
  {
    $id: 'ImportForm',
    additionalProperties: false,
    examples: [{ file: csvStatementExample, currency: 'EUR', filename: 'statement.csv' }],
  },
);

export const ImportParams = IdParams('imp');
export const DocumentParams = IdParams('doc');

export const DocumentSchema = Type.Object(
  {
    id: Type.String(),
    connection_id: Nullable(Type.String({ description: 'The connection its movements went to.' })),
    filename: Nullable(Type.String()),
    content_type: Type.String(),
    size: Type.Integer({ description: 'Bytes.' }),
    sha256: Type.String(),
    created_at: Type.String({ format: 'date-time' }),
  },
  {
    $id: 'Document',
    description: 'A stored statement file (its bytes: GET /v1/documents/{id}/content).',
    examples: [documentExample],
  },
);

export const DocumentListQuery = Type.Object(
  {
    connection_id: Type.Optional(IdParam('con')),
    created_from: Type.Optional(Type.String({ format: 'date-time', description: 'Imported at or after.' })),
    created_to: Type.Optional(Type.String({ format: 'date-time', description: 'Imported at or before.' })),
    ...PageQuery,
  },
  { additionalProperties: false },
);

export const DocumentList = Type.Object(
  { ...Page(Ref(DocumentSchema), '').properties },
  {
    description: 'Stored statement files, newest first.',
    examples: [pageExample([documentExample])],
  },
);
