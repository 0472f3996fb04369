// Schemas of connections, their refreshes and challenges, and the requests that act on them.
import { Type } from 'typebox';
import { connectionStatuses } from '../../domain/connection-status.ts';
import { products } from '../../domain/products.ts';
import { Page, PageQuery } from '../../http/pagination.ts';
import { IdParams, Nullable, Ref, StringEnum } from '../common.schemas.ts';
import {
  challengeAnswerRequestExample,
  challengeExample,
  connectionExample,
  createConnectionRequestExample,
  deletedConnectionsExample,
  pageExample,
  refreshExample,
  updateConnectionRequestExample,
  updateCredentialsRequestExample,
} from '../openapi/examples.ts';

export const refreshIntervals = ['6h', '12h', '24h', '7d', '30d'] as const;

const Credentials = Type.Record(Type.String(), Type.String({ maxLength: 256 }), {
  description: "Values of the institution's `fields` (GET /v1/institutions/{id}), by field name.",
});

// The settings a connection is created with and may later change (PATCH): one definition each.
const accessModes = ['single', 'recurrent'] as const;
const AccessMode = StringEnum(accessModes, {
  description: 'single: extract once and drop the credentials (one-shot link); recurrent: keep refreshing.',
});
const RefreshInterval = StringEnum(refreshIntervals, { description: 'Recurrent only; default 24h.' });
const ProductList = Type.Array(StringEnum(products), { minItems: 1, uniqueItems: true });
const HistoryDays = Type.Integer({
  minimum: 1,
  maximum: 3650,
  description: 'How far back to extract; default 730.',
});

export const CreateConnectionRequest = Type.Object(
  {
    institution_id: Type.String({ minLength: 1, maxLength: 100 }),
    credentials: Credentials,
    access_mode: AccessMode,
    refresh_interval: Type.Optional(RefreshInterval),
    products: Type.Optional(ProductList),
    history_days: Type.Optional(HistoryDays),
    external_id: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'Your own id of the end user.' }),
    ),
    unique_credentials: Type.Optional(
      Type.Boolean({
        description:
          'true: refuse (409 CONNECTION_DUPLICATE, naming it) if you already have a connection at this institution with the same username-like credentials.',
      }),
    ),
  },
  {
    $id: 'CreateConnectionRequest',
    additionalProperties: false,
    examples: [createConnectionRequestExample],
  },
);

export const UpdateConnectionRequest = Type.Object(
  {
    access_mode: Type.Optional(
      StringEnum(accessModes, {
        description:
          'single: no more scheduled refreshes, and the credentials are dropped once nothing is left to extract; recurrent: needs the credentials still held.',
      }),
    ),
    refresh_interval: Type.Optional(RefreshInterval),
    scheduled_refresh: Type.Optional(
      Type.Boolean({
        description:
          'false pauses scheduled refreshes (credentials, status and data stay); true resumes them, and a refresh that fell due meanwhile runs at once.',
      }),
    ),
    products: Type.Optional(
      Type.Array(StringEnum(products), {
        minItems: 1,
        uniqueItems: true,
        description:
          'The whole new list. Added products are extracted by the next refresh; removed ones are no longer refreshed (their records stay readable).',
      }),
    ),
    history_days: Type.Optional(HistoryDays),
    refresh: Type.Optional(Type.Boolean({ description: 'true: queue a refresh once the change is made.' })),
  },
  {
    $id: 'UpdateConnectionRequest',
    additionalProperties: false,
    minProperties: 1,
    examples: [updateConnectionRequestExample],
  },
);

export const UpdateCredentialsRequest = Type.Object(
  { credentials: Credentials },
  {
    $id: 'UpdateCredentialsRequest',
    additionalProperties: false,
    examples: [updateCredentialsRequestExample],
  },
);

export const ChallengeAnswerRequest = Type.Object(
  {
    answers: Type.Record(Type.String(), Type.String({ maxLength: 256 }), {
      description: "Values of the open challenge's `fields`, by field name.",
    }),
  },
  {
    $id: 'ChallengeAnswerRequest',
    additionalProperties: false,
    examples: [challengeAnswerRequestExample],
  },
);

const ProductStatus = Type.Object({
  created: Type.Boolean({
    description: 'The extraction of this product has finished (with or without error).',
  }),
  errored: Type.Boolean(),
  error: Nullable(Type.String()),
  count: Type.Integer(),
});

export const ChallengeSchema = Type.Object(
  {
    id: Type.String(),
    type: StringEnum(['otp', 'question', 'decoupled', 'redirect'] as const),
    prompt: Type.String(),
    fields: Type.Array(
      Type.Object({
        name: Type.String(),
        label: Type.String(),
        type: Type.String(),
        required: Type.Boolean(),
        validation: Nullable(Type.String()),
      }),
    ),
    redirect_url: Nullable(Type.String()),
    attempts_left: Nullable(Type.Integer()),
    expires_at: Type.String({ format: 'date-time' }),
  },
  {
    $id: 'Challenge',
    description: 'A verification step the institution asks of the end user (OTP, question, app, redirect).',
    examples: [challengeExample],
  },
);

export const RefreshSchema = Type.Object(
  {
    id: Type.String(),
    connection_id: Type.String(),
    trigger: Type.String({ description: 'initial, manual, scheduled, credentials_update, enable' }),
    status: StringEnum(['queued', 'running', 'waiting_user', 'succeeded', 'failed'] as const),
    added: Type.Integer(),
    modified: Type.Integer(),
    removed: Type.Integer(),
    error_code: Nullable(Type.String()),
    error_detail: Nullable(Type.String()),
    created_at: Type.String({ format: 'date-time' }),
    started_at: Nullable(Type.String({ format: 'date-time' })),
    logged_in_at: Nullable(
      Type.String({
        format: 'date-time',
        description: 'When the login succeeded and the extraction began; null before (or without) a login.',
      }),
    ),
    finished_at: Nullable(Type.String({ format: 'date-time' })),
    duration_ms: Nullable(Type.Integer()),
  },
  {
    $id: 'Refresh',
    description: 'One extraction run of a connection.',
    examples: [refreshExample],
  },
);

export const ConnectionSchema = Type.Object(
  {
    id: Type.String(),
    institution_id: Type.String(),
    access_mode: StringEnum(['single', 'recurrent'] as const),
    refresh_interval: Nullable(Type.String()),
    products: Type.Array(Type.String()),
    history_days: Type.Integer(),
    external_id: Nullable(Type.String()),
    status: StringEnum(connectionStatuses),
    status_detail: Type.String({ description: 'The status in plain words.' }),
    needs_user: Type.Boolean({ description: 'Only the end user can move this connection forward.' }),
    scheduled_refresh: Type.Boolean({
      description:
        'Whether a recurrent connection is refreshed on its interval (false: paused by the client).',
    }),
    consent_expires_at: Nullable(
      Type.String({
        format: 'date-time',
        description:
          'When the consent given at the bank ends (PSD2 connections); connection.consent_expiring is sent 7 days before.',
      }),
    ),
    product_status: Type.Record(Type.String(), ProductStatus, {
      description: "Per product, Flanks' created / errored flags and the record count.",
    }),
    challenge: Nullable(Ref(ChallengeSchema)),
    refresh: Nullable(Ref(RefreshSchema)),
    has_credentials: Type.Boolean({ description: 'False for one-shot connections after their extraction.' }),
    last_refresh_at: Nullable(Type.String({ format: 'date-time' })),
    next_refresh_at: Nullable(Type.String({ format: 'date-time' })),
    last_transaction_date: Nullable(Type.String({ format: 'date' })),
    status_history: Type.Array(
      Type.Object({
        from: Nullable(Type.String()),
        to: Type.String(),
        detail: Type.String(),
        at: Type.String({ format: 'date-time' }),
      }),
    ),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
  },
  {
    $id: 'Connection',
    description: "An end user's access to one institution, and where its extraction is.",
    examples: [connectionExample],
  },
);

export const ListConnectionsQuery = Type.Object({
  status: Type.Optional(StringEnum(connectionStatuses)),
  institution_id: Type.Optional(Type.String({ maxLength: 100 })),
  external_id: Type.Optional(Type.String({ maxLength: 200 })),
  count: Type.Boolean({
    default: false,
    description: 'Add `total`, the number of connections matching the filters.',
  }),
  ...PageQuery,
});

export const EndUserQuery = Type.Object(
  {
    external_id: Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'Your id of the end user (the connections’ `external_id`).',
    }),
  },
  { additionalProperties: false },
);

export const ConnectionParams = IdParams('con');
export const LanguageQuery = Type.Object({ language: StringEnum(['en', 'es'] as const, { default: 'en' }) });

export const RefreshListQuery = Type.Object({
  page_size: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
});

export const ConnectionRef = Ref(ConnectionSchema);
export const RefreshRef = Ref(RefreshSchema);
export const RefreshList = Type.Object(
  { data: Type.Array(RefreshRef) },
  { description: 'Refreshes, newest first.', examples: [{ data: [refreshExample] }] },
);

export const ConnectionList = Type.Object(
  {
    ...Page(ConnectionRef, '').properties,
    total: Type.Optional(Type.Integer({ description: 'With `count=true`.' })),
  },
  {
    description: 'A page of connections, oldest first.',
    examples: [
      { ...pageExample([connectionExample], ['2026-12-03 08:26:03.427+00', connectionExample.id]), total: 2 },
    ],
  },
);

export const DeletedConnectionsSchema = Type.Object(
  { deleted: Type.Array(Type.String(), { description: 'The ids deleted.' }) },
  {
    $id: 'DeletedConnections',
    description: 'The connections of an end user, deleted with their data.',
    examples: [deletedConnectionsExample],
  },
);

/** The schemas the connection routes name (sandbox routes answer connections too). */
export const connectionSchemas = [ChallengeSchema, RefreshSchema, ConnectionSchema];
