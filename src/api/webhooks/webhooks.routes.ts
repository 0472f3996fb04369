// Native API for webhooks: endpoints, the event log, deliveries, test and resend.
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { EventType } from '../../domain/events.ts';
import { authOf } from '../../http/auth.ts';
import { Page, PageQuery } from '../../http/pagination.ts';
import type { ServiceDeps } from '../../services/deps.ts';
import {
  createEndpoint,
  deleteEndpoint,
  getEndpointOrThrow,
  getEventOrThrow,
  listDeliveries,
  listEndpoints,
  listEvents,
  presentEndpoint,
  resendEvent,
  rotateSecret,
  sendTestEvent,
  updateEndpoint,
} from '../../services/webhooks.ts';
import { problemResponses, StringEnum } from '../common.schemas.ts';
import {
  CreateEndpointBody,
  DeliverySchema,
  EndpointSchema,
  EndpointWithSecretSchema,
  EventSchema,
  EventTypeSchema,
  ResendBody,
  UpdateEndpointBody,
} from './webhooks.schemas.ts';

const endpointRef = Type.Unsafe({ $ref: 'WebhookEndpoint#' });
const eventRef = Type.Unsafe({ $ref: 'Event#' });
const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
const config = { scopes: ['webhooks:manage' as const] };
const tags = ['Webhooks'];

export function registerWebhookRoutes(app: FastifyInstance, deps: { engine: ServiceDeps }): void {
  const { engine } = deps;
  const { db } = engine;
  app.addSchema(EndpointSchema);
  app.addSchema(EventSchema);
  const idOf = (request: { params: unknown }) => (request.params as { id: string }).id;

  app.post(
    '/v1/webhook-endpoints',
    {
      config,
      schema: {
        tags,
        summary: 'Register a webhook endpoint',
        description:
          'Returns the endpoint and its `whsec_…` signing secret, shown only in this answer. Events are ' +
          'POSTed with Standard Webhooks headers (`webhook-id`, `webhook-timestamp`, `webhook-signature`).',
        body: CreateEndpointBody,
        response: { 201: EndpointWithSecretSchema, ...problemResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const body = request.body as { url: string; events?: EventType[]; description?: string };
      reply.code(201);
      return createEndpoint(engine, authOf(request).client.id, body);
    },
  );

  app.get(
    '/v1/webhook-endpoints',
    {
      config,
      schema: {
        tags,
        summary: 'List webhook endpoints',
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: Page(endpointRef, 'Endpoints, oldest first.'), ...problemResponses(400, 401, 403) },
      },
    },
    async (request) =>
      listEndpoints(db, authOf(request).client.id, request.query as { page_size: number; cursor?: string }),
  );

  app.get(
    '/v1/webhook-endpoints/:id',
    {
      config,
      schema: {
        tags,
        summary: 'Get a webhook endpoint',
        params: IdParams,
        response: { 200: endpointRef, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) =>
      presentEndpoint(await getEndpointOrThrow(db, authOf(request).client.id, idOf(request))),
  );

  app.patch(
    '/v1/webhook-endpoints/:id',
    {
      config,
      schema: {
        tags,
        summary: 'Change the URL, the event types, the description, or enable / disable',
        params: IdParams,
        body: UpdateEndpointBody,
        response: { 200: endpointRef, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) =>
      updateEndpoint(engine, authOf(request).client.id, idOf(request), request.body as Record<string, never>),
  );

  app.delete(
    '/v1/webhook-endpoints/:id',
    {
      config,
      schema: {
        tags,
        summary: 'Delete a webhook endpoint and its deliveries',
        params: IdParams,
        response: { 204: Type.Null(), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await deleteEndpoint(db, authOf(request).client.id, idOf(request));
      return reply.code(204).send();
    },
  );

  app.post(
    '/v1/webhook-endpoints/:id/rotate-secret',
    {
      config,
      schema: {
        tags,
        summary: 'Rotate the signing secret',
        description:
          'Returns the new secret (shown once). For 24 hours every delivery is signed with both the new and ' +
          'the old secret (two `v1,` signatures), so receivers can switch without missing a message.',
        params: IdParams,
        response: { 200: EndpointWithSecretSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => rotateSecret(engine, authOf(request).client.id, idOf(request)),
  );

  app.post(
    '/v1/webhook-endpoints/:id/test',
    {
      config,
      schema: {
        tags,
        summary: 'Send a webhook.test event to this endpoint',
        params: IdParams,
        response: { 202: eventRef, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      reply.code(202);
      return sendTestEvent(db, authOf(request).client.id, idOf(request));
    },
  );

  app.get(
    '/v1/webhook-endpoints/:id/deliveries',
    {
      config,
      schema: {
        tags,
        summary: 'Deliveries to this endpoint, with every attempt',
        description:
          'Newest first. Each delivery lists its attempts (time, status code, latency, first 1 KB of the ' +
          'answer, error) and, while pending, when the next retry goes out.',
        params: IdParams,
        querystring: Type.Object(
          { status: Type.Optional(StringEnum(['pending', 'succeeded', 'failed'] as const)), ...PageQuery },
          { additionalProperties: false },
        ),
        response: {
          200: Page(DeliverySchema, 'Deliveries, newest first.'),
          ...problemResponses(400, 401, 403, 404),
        },
      },
    },
    async (request) =>
      listDeliveries(
        db,
        authOf(request).client.id,
        idOf(request),
        request.query as { status?: string; page_size: number; cursor?: string },
      ),
  );

  app.get(
    '/v1/events',
    {
      config,
      schema: {
        tags,
        summary: 'The event log (kept 30 days)',
        querystring: Type.Object(
          { type: Type.Optional(EventTypeSchema), ...PageQuery },
          { additionalProperties: false },
        ),
        response: { 200: Page(eventRef, 'Events, newest first.'), ...problemResponses(400, 401, 403) },
      },
    },
    async (request) =>
      listEvents(
        db,
        authOf(request).client.id,
        request.query as { type?: string; page_size: number; cursor?: string },
      ),
  );

  app.get(
    '/v1/events/:id',
    {
      config,
      schema: {
        tags,
        summary: 'Get an event',
        params: IdParams,
        response: { 200: eventRef, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => getEventOrThrow(db, authOf(request).client.id, idOf(request)),
  );

  app.post(
    '/v1/events/:id/resend',
    {
      config,
      // The body is optional: a bare `curl -X POST` (no body, or an empty JSON one) resends to
      // every subscribed endpoint.
      preValidation: async (request) => {
        request.body ??= {};
      },
      schema: {
        tags,
        summary: 'Send an event again',
        description:
          'To one endpoint (`endpoint_id`) or to every enabled endpoint subscribed to its type. The message ' +
          'keeps its `webhook-id` (the event id), so a receiver that already processed it can tell.',
        params: IdParams,
        body: ResendBody,
        response: {
          202: Type.Object({ event_id: Type.String(), endpoint_ids: Type.Array(Type.String()) }),
          ...problemResponses(400, 401, 403, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const body = request.body as { endpoint_id?: string };
      reply.code(202);
      return resendEvent(db, authOf(request).client.id, idOf(request), body.endpoint_id);
    },
  );
}
