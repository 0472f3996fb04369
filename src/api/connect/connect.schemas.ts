// Schemas of hosted Connect, the developer's side: redirect URIs, sessions, and codes.
import { Type } from 'typebox';
import { products } from '../../domain/products.ts';
import { REFRESH_INTERVALS_MS } from '../../services/deps.ts';
import { IdParam, OpenObject, Ref, StringEnum } from '../common.schemas.ts';
import {
  connectCodesExample,
  connectSessionExample,
  connectSessionRequestExample,
  exchangedExample,
  exchangeRequestExample,
  redirectUrisExample,
} from '../openapi/examples.ts';

export const RedirectUrisRequest = Type.Object(
  { redirect_uris: Type.Array(Type.String({ maxLength: 2048 }), { maxItems: 20 }) },
  { $id: 'RedirectUrisRequest', additionalProperties: false, examples: [redirectUrisExample] },
);

export const RedirectUris = Type.Object(
  { redirect_uris: Type.Array(Type.String()) },
  {
    $id: 'RedirectUris',
    description: 'Where Connect may send end users back to; their origins may frame the page.',
    examples: [redirectUrisExample],
  },
);

export const CreateSessionRequest = Type.Object(
  {
    redirect_uri: Type.String({ maxLength: 2048 }),
    state: Type.Optional(Type.String({ maxLength: 512 })),
    institution_ids: Type.Optional(
      Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: 100 }),
    ),
    products: Type.Optional(Type.Array(StringEnum(products), { minItems: 1 })),
    country: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$' })),
    language: Type.Optional(StringEnum(['en', 'es'] as const)),
    external_id: Type.Optional(Type.String({ maxLength: 256 })),
    access_mode: Type.Optional(StringEnum(['single', 'recurrent'] as const)),
    refresh_interval: Type.Optional(StringEnum(Object.keys(REFRESH_INTERVALS_MS))),
    extra: Type.Optional(OpenObject({ maxProperties: 50 })),
    connection_id: Type.Optional(IdParam('con')),
    unique_credentials: Type.Optional(
      Type.Boolean({
        description:
          'true: the page refuses credentials you already connected at that institution (409 CONNECTION_DUPLICATE, shown to the end user).',
      }),
    ),
  },
  {
    $id: 'CreateConnectSessionRequest',
    additionalProperties: false,
    examples: [connectSessionRequestExample],
  },
);

export const ConnectSessionSchema = Type.Object(
  {
    id: Type.String(),
    url: Type.String({ description: 'Send the end user here; its fragment is the session’s token.' }),
    expires_at: Type.String({ format: 'date-time' }),
  },
  { $id: 'ConnectSession', description: 'A Connect session just opened.', examples: [connectSessionExample] },
);

export const ExchangeRequest = Type.Object(
  { code: Type.String({ maxLength: 128 }) },
  { $id: 'ExchangeConnectCodeRequest', additionalProperties: false, examples: [exchangeRequestExample] },
);

export const ExchangedSchema = Type.Object(
  {
    connection_id: Type.String(),
    external_id: Type.Union([Type.String(), Type.Null()]),
    institution_id: Type.String(),
    extra: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()]),
  },
  {
    $id: 'ExchangedConnection',
    description: 'The connection a Connect code stood for.',
    examples: [exchangedExample],
  },
);

export const CodesQuery = Type.Object(
  { session_id: Type.Optional(IdParam('cs')) },
  { additionalProperties: false },
);

export const ConnectCodeSchema = Type.Object(
  {
    code: Type.String(),
    session_id: Type.String(),
    connection_id: Type.String(),
    extra: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], {
      description: 'The `extra` the Connect session was created with.',
    }),
    expires_at: Type.String({ format: 'date-time' }),
  },
  {
    $id: 'ConnectCode',
    description: 'A Connect code not exchanged yet.',
    examples: connectCodesExample.data,
  },
);

export const UnusedCodes = Type.Object(
  { data: Type.Array(Ref(ConnectCodeSchema)) },
  { description: 'Codes not exchanged yet.', examples: [connectCodesExample] },
);

/** The schemas the Connect routes name. */
export const connectSchemas = [
  RedirectUrisRequest,
  RedirectUris,
  CreateSessionRequest,
  ConnectSessionSchema,
  ExchangeRequest,
  ExchangedSchema,
  ConnectCodeSchema,
];
