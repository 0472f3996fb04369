// Native API for webhooks: endpoints, the event log, deliveries, test and resend.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { authOf } from '../../http/auth.ts';
import { Page } from '../../http/pagination.ts';
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
import { problemResponses } from '../common.schemas.ts';
import {
  CreateEndpointBody,
  DeliverySchema,
  EndpointParams,
  EndpointSchema,
  EndpointWithSecretSchema,
  EventParams,
  EventSchema,
  EndpointRef as endpointRef,
  EventRef as eventRef,
  ListDeliveriesQuery,
  ListEndpointsQuery,
  ListEventsQuery,
  ResendBody,
  Resent,
  UpdateEndpointBody,
} from './webhooks.schemas.ts';

const config = { scopes: ['webhooks:manage' as const] };
const tags = ['Webhooks'];

export const webhookRoutes: FastifyPluginAsyncTypebox<{ engine: ServiceDeps }> = async (app, deps) => {
  const { engine } = deps;
  const { db } = engine;
  app.addSchema(EndpointSchema);
  app.addSchema(EventSchema);

  app.post(
    '/v1/webhook-endpoints',
    {
      config,
      schema: {
        tags,
        summary: 'Register a webhook endpoint',
        description:
          'Returns the endpoint and its `whsec_…` signing secret, shown only in this answer. Events are ' +
          'POSTed with Standard Webhooks headers (`webhook-id`, `webhook-timestamp`, `webhook-signature`), ' +
          'in the payload `format` asked for (default `tesoro`, the native event).',
        body: CreateEndpointBody,
        response: { 201: EndpointWithSecretSchema, ...problemResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      reply.code(201);
      return createEndpoint(engine, authOf(request).client.id, request.body);
    },
  );

  app.get(
    '/v1/webhook-endpoints',
    {
      config,
      schema: {
        tags,
        summary: 'List webhook endpoints',
        querystring: ListEndpointsQuery,
        response: { 200: Page(endpointRef, 'Endpoints, oldest first.'), ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => listEndpoints(db, authOf(request).client.id, request.query),
  );

  app.get(
    '/v1/webhook-endpoints/:id',
    {
      config,
      schema: {
        tags,
        summary: 'Get a webhook endpoint',
        params: EndpointParams,
        response: { 200: endpointRef, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) =>
      presentEndpoint(await getEndpointOrThrow(db, authOf(request).client.id, request.params.id)),
  );

  app.patch(
    '/v1/webhook-endpoints/:id',
    {
      config,
      schema: {
        tags,
        summary: 'Change the URL, the event types, the payload format, the description, or enable / disable',
        params: EndpointParams,
        body: UpdateEndpointBody,
        response: { 200: endpointRef, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => updateEndpoint(engine, authOf(request).client.id, request.params.id, request.body),
  );

  app.delete(
    '/v1/webhook-endpoints/:id',
    {
      config,
      schema: {
        tags,
        summary: 'Delete a webhook endpoint and its deliveries',
        params: EndpointParams,
        response: { 204: Type.Null(), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await deleteEndpoint(db, authOf(request).client.id, request.params.id);
      reply.code(204); // and no body
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
        params: EndpointParams,
        response: { 200: EndpointWithSecretSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => rotateSecret(engine, authOf(request).client.id, request.params.id),
  );

  app.post(
    '/v1/webhook-endpoints/:id/test',
    {
      config,
      schema: {
        tags,
        summary: 'Send a webhook.test event to this endpoint',
        params: EndpointParams,
        response: { 202: eventRef, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      reply.code(202);
      return sendTestEvent(db, authOf(request).client.id, request.params.id);
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
        params: EndpointParams,
        querystring: ListDeliveriesQuery,
        response: {
          200: Page(DeliverySchema, 'Deliveries, newest first.'),
          ...problemResponses(400, 401, 403, 404),
        },
      },
    },
    async (request) => listDeliveries(db, authOf(request).client.id, request.params.id, request.query),
  );

  app.get(
    '/v1/events',
    {
      config,
      schema: {
        tags,
        summary: 'The event log (kept 30 days)',
        querystring: ListEventsQuery,
        response: { 200: Page(eventRef, 'Events, newest first.'), ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => listEvents(db, authOf(request).client.id, request.query),
  );

  app.get(
    '/v1/events/:id',
    {
      config,
      schema: {
        tags,
        summary: 'Get an event',
        params: EventParams,
        response: { 200: eventRef, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => getEventOrThrow(db, authOf(request).client.id, request.params.id),
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
        params: EventParams,
        body: ResendBody,
        response: {
          202: Resent,
          ...problemResponses(400, 401, 403, 404, 409),
        },
      },
    },
    async (request, reply) => {
      reply.code(202);
      return resendEvent(db, authOf(request).client.id, request.params.id, request.body.endpoint_id);
    },
  );
};
