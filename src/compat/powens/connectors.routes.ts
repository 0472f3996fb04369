// Powens' connectors (SPEC §5.4 P1–P2) and categories: public, as at Powens ("hello world" needs
// no token). A connector is a Tesoro institution that logs in (statement-file institutions are
// left out); `expand=fields` adds its login form. `/banks` and `/providers` are Powens' older
// names of `/connectors`, each answered under its own key.
import type { FastifyPluginAsync } from 'fastify';
import { withoutIds } from '../shared/openapi.ts';
import { sendJson } from '../shared/stream.ts';
import { categoryList } from './categories.ts';
import type { PowensDeps } from './deps.ts';
import { powensAnswers } from './errors.ts';
import { type InstitutionFacts, toPowensConnector } from './map.ts';
import { expandOf } from './params.ts';
import { institutionOfConnector } from './sandbox-map.ts';
import { CategoryList, Connector, ConnectorList, ConnectorsQuery, PowensError } from './schemas.ts';

export const connectorRoutes: FastifyPluginAsync<PowensDeps> = async (app, deps) => {
  const institutions = (): InstitutionFacts[] =>
    deps.registry
      .institutions()
      .filter((institution) => institution.kind !== 'file')
      .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));

  for (const name of ['connectors', 'banks', 'providers'] as const) {
    app.get(
      `/${name}`,
      {
        config: {
          doc: {
            tag: 'Connectors',
            summary:
              name === 'connectors' ? 'The connectors' : `The connectors (Powens’ older name /${name})`,
            responses: {
              200:
                name === 'connectors' ? ConnectorList : { description: `{"${name}": [Connector], "total"}` },
            },
          },
        },
        schema: { querystring: ConnectorsQuery },
      },
      async (request, reply) => {
        const query = request.query as { expand?: string; country_codes?: string };
        const withFields = expandOf(query.expand).has('fields');
        const countries = query.country_codes
          ?.split(',')
          .map((code) => code.trim().toUpperCase())
          .filter(Boolean);
        const list = institutions()
          .filter((institution) => !countries?.length || countries.includes(institution.country))
          .map((institution) => toPowensConnector(institution, { withFields }));
        return sendJson(reply, { [name]: list, total: list.length });
      },
    );

    app.get(
      `/${name}/:id_connector`,
      {
        config: {
          doc: {
            tag: 'Connectors',
            summary: 'One connector, by UUID (or by its integer id, deprecated at Powens)',
            responses: { 200: Connector, 404: PowensError },
          },
        },
        schema: { querystring: ConnectorsQuery },
      },
      async (request, reply) => {
        const { id_connector: given } = request.params as { id_connector: string };
        const all = institutions();
        const id = institutionOfConnector(
          given,
          all.map((institution) => institution.id),
        );
        const institution = id && all.find((candidate) => candidate.id === id);
        if (!institution) throw powensAnswers.notFound('connector');
        const withFields = expandOf((request.query as { expand?: string }).expand).has('fields');
        return sendJson(reply, toPowensConnector(institution, { withFields }));
      },
    );
  }

  app.get(
    '/categories',
    {
      config: {
        doc: {
          tag: 'Connectors',
          summary: 'Transaction categories (Tesoro’s own integer numbering of its taxonomy)',
          responses: { 200: withoutIds(CategoryList) },
        },
      },
    },
    async (_request, reply) => {
      const categories = categoryList();
      return sendJson(reply, { categories, total: categories.length });
    },
  );
};
