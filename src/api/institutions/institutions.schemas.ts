// Schemas of institutions (what the connectors reach, with their login forms) and of the connectors.
import { Type } from 'typebox';
import { products } from '../../domain/products.ts';
import { Page, PageQuery } from '../../http/pagination.ts';
import { Nullable, Ref, StringEnum } from '../common.schemas.ts';
import { connectorListExample, institutionExample, pageExample } from '../openapi/examples.ts';

export const languages = ['en', 'es'] as const;

export const LoginFieldSchema = Type.Object(
  {
    name: Type.String({ description: 'Key to use in `credentials` when creating a connection.' }),
    label: Type.String(),
    type: StringEnum(['text', 'password', 'otp', 'select'] as const),
    required: Type.Boolean(),
    validation: Nullable(
      Type.String({ description: 'ECMAScript regular expression the whole value must match.' }),
    ),
    placeholder: Nullable(Type.String()),
    options: Nullable(Type.Array(Type.Object({ value: Type.String(), label: Type.String() }))),
  },
  {
    $id: 'LoginField',
    description: 'One field of an institution’s login form.',
    examples: [institutionExample.fields[0]],
  },
);

export const InstitutionSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    country: Type.String({ description: 'ISO 3166-1 alpha-2.' }),
    kind: StringEnum(['bank', 'broker', 'card_issuer', 'file'] as const),
    products: Type.Array(StringEnum(products)),
    fields: Type.Array(Ref(LoginFieldSchema), { description: "The login form (Powens' `expand=fields`)." }),
    mfa: Type.Array(StringEnum(['otp', 'question', 'decoupled', 'redirect'] as const), {
      description: 'Challenges this institution may ask during login.',
    }),
    always_manual_refresh: Type.Boolean({
      description:
        'True when every login needs the end user (2FA on every login): never refreshed on a schedule.',
    }),
    description: Type.String(),
    cif: Nullable(Type.String({ description: 'Tax id of the entity.' })),
    url: Nullable(Type.String()),
    primary_color: Type.String(),
    logo_url: Nullable(
      Type.String({ description: "The institution's logo, when its upstream publishes one." }),
    ),
    max_consent_days: Nullable(
      Type.Integer({ description: 'The longest consent the institution grants, in days (PSD2 banks).' }),
    ),
    connector: Type.String({ description: 'The connector that reaches this institution.' }),
  },
  {
    $id: 'Institution',
    description: 'A bank, broker or card issuer a connector reaches, with its login form.',
    examples: [institutionExample],
  },
);

export const InstitutionPage = Type.Object(
  { ...Page(Ref(InstitutionSchema), '').properties },
  {
    description: 'A page of institutions, by name.',
    examples: [pageExample([institutionExample], [institutionExample.name, institutionExample.id])],
  },
);

const language = StringEnum(languages, {
  default: 'en',
  description: 'Language of labels and descriptions.',
});

export const ListInstitutionsQuery = Type.Object({
  country: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2}$', description: 'ISO 3166-1 alpha-2 code.' })),
  product: Type.Optional(StringEnum(products, { description: 'Only institutions offering this product.' })),
  q: Type.Optional(
    Type.String({ minLength: 1, maxLength: 100, description: 'Search in names (accents ignored).' }),
  ),
  language,
  ...PageQuery,
});

export const GetInstitutionQuery = Type.Object({ language });

export const InstitutionParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

export const ConnectorSchema = Type.Object(
  {
    id: Type.String(),
    available: Type.Boolean(),
    institutions: Type.Integer({ description: 'How many institutions it offers.' }),
    variables: Type.Optional(
      Type.Array(Type.String(), { description: 'The environment variables that configure it.' }),
    ),
    reason: Type.Optional(Type.String({ description: 'Why an unavailable connector is not offered.' })),
  },
  {
    $id: 'Connector',
    description: 'A connector of this server, configured or not.',
    examples: connectorListExample.data,
  },
);

export const ConnectorList = Type.Object(
  { data: Type.Array(Ref(ConnectorSchema)) },
  { description: 'Every connector Tesoro knows.', examples: [connectorListExample] },
);
