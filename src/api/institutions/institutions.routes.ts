// GET /v1/institutions and /v1/institutions/{id}: what the connectors can reach; GET /v1/connectors: which are configured.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { InstitutionDefinition, Language } from '../../connectors/connector.ts';
import type { ConnectorRegistry } from '../../connectors/registry.ts';
import { AppError } from '../../domain/errors.ts';
import { pageInMemory } from '../../store/keyset.ts';
import { Ref, registerSchemas } from '../common.schemas.ts';
import { answer, pathId, problems, query, withToken } from '../responses.ts';
import {
  ConnectorList,
  ConnectorSchema,
  GetInstitutionQuery,
  InstitutionPage,
  InstitutionParams,
  InstitutionSchema,
  ListInstitutionsQuery,
  LoginFieldSchema,
} from './institutions.schemas.ts';

export function presentInstitution(
  registry: ConnectorRegistry,
  institution: InstitutionDefinition,
  language: Language,
) {
  return {
    id: institution.id,
    name: institution.name,
    country: institution.country,
    kind: institution.kind,
    products: [...institution.products],
    fields: institution.fields.map((field) => ({
      name: field.name,
      label: field.label[language],
      type: field.type,
      required: field.required,
      validation: field.validation ?? null,
      placeholder: field.placeholder?.[language] ?? null,
      options:
        field.options?.map((option) => ({ value: option.value, label: option.label[language] })) ?? null,
    })),
    mfa: [...institution.mfa],
    always_manual_refresh: institution.alwaysManualRefresh,
    description: institution.description[language],
    cif: institution.cif,
    url: institution.url,
    primary_color: institution.primaryColor,
    logo_url: institution.logoUrl ?? null,
    max_consent_days: institution.maxConsentDays ?? null,
    connector: registry.connectorFor(institution.id)!.id,
  };
}

/** Lower case without accents, so "credito" finds "Crédito". */
const fold = (text: string) =>
  text
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase();

const byNameThenId = (a: readonly string[], b: readonly string[]) =>
  a[0]!.localeCompare(b[0]!) || a[1]!.localeCompare(b[1]!);

export const institutionRoutes: FastifyPluginAsyncTypebox<{ registry: ConnectorRegistry }> = async (
  app,
  deps,
) => {
  registerSchemas(app, [LoginFieldSchema, InstitutionSchema, ConnectorSchema]);
  app.get(
    '/v1/institutions',
    {
      config: { scopes: [] },
      schema: {
        tags: ['Institutions'],
        operationId: 'listInstitutions',
        summary: 'List institutions',
        description: 'Banks, brokers and card issuers the connectors can reach, each with its login form.',
        querystring: ListInstitutionsQuery,
        response: {
          200: answer(InstitutionPage, 'A page of institutions, by name.'),
          ...problems(withToken, query),
        },
      },
    },
    async (request) => {
      const { query } = request;
      const needle = query.q ? fold(query.q) : undefined;
      const matching = deps.registry
        .institutions()
        .filter((i) => !query.country || i.country === query.country.toUpperCase())
        .filter((i) => !query.product || i.products.includes(query.product))
        .filter((i) => !needle || fold(i.name).includes(needle) || i.id.includes(needle))
        .sort((a, b) => byNameThenId([a.name, a.id], [b.name, b.id]));
      const page = pageInMemory(matching, (i) => [i.name, i.id], byNameThenId, query, ['text', 'id']);
      return { ...page, data: page.data.map((i) => presentInstitution(deps.registry, i, query.language)) };
    },
  );

  app.get(
    '/v1/institutions/:id',
    {
      config: { scopes: [] },
      schema: {
        tags: ['Institutions'],
        operationId: 'getInstitution',
        summary: 'Get an institution',
        params: InstitutionParams,
        querystring: GetInstitutionQuery,
        response: {
          200: answer(Ref(InstitutionSchema), 'The institution, with its login form.'),
          ...problems(withToken, pathId, query, { NOT_FOUND: 'No institution ins_sandbox_nope.' }),
        },
      },
    },
    async (request) => {
      const { id } = request.params;
      const { language } = request.query;
      const institution = deps.registry.findInstitution(id);
      if (!institution) throw new AppError('NOT_FOUND', `No institution ${id}.`);
      return presentInstitution(deps.registry, institution, language);
    },
  );

  app.get(
    '/v1/connectors',
    {
      config: { scopes: [] },
      schema: {
        tags: ['Institutions'],
        operationId: 'listConnectors',
        summary: 'The connectors of this server',
        description:
          'Each connector Tesoro knows: available when configured, with how many institutions it offers; ' +
          'unavailable, with the `reason`, when its environment variables are not set (`variables` names them) or its upstream’s institution list could not be read at start.',
        response: { 200: answer(ConnectorList, 'Every connector Tesoro knows.'), ...problems(withToken) },
      },
    },
    async () => ({
      data: [
        ...deps.registry.connectors().map((connector) => ({
          id: connector.id,
          available: true,
          institutions: deps.registry
            .institutions()
            .filter((i) => deps.registry.connectorFor(i.id) === connector).length,
        })),
        ...deps.registry.unavailable.map(({ id, variables, reason }) => ({
          id,
          available: false,
          institutions: 0,
          variables,
          reason,
        })),
      ],
    }),
  );
};
