// Native API for webhooks: endpoints, the event log, deliveries, test and resend.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { authOf } from '../../http/auth.ts';
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
import { Ref, registerSchemas } from '../common.schemas.ts';
import { rotatedWebhookEndpointExample, testEventExample } from '../openapi/examples.ts';
import {
  answer,
  anyBody,
  invalidField,
  jsonBody,
  pathId,
  problems,
  query,
  withScopes,
} from '../responses.ts';
import {
  CreateEndpointRequest,
  DeliveryPage,
  EndpointPage,
  EndpointParams,
  EndpointWithSecretSchema,
  EventPage,
  EventParams,
  EndpointRef as endpointRef,
  EventRef as eventRef,
  ListDeliveriesQuery,
  ListEndpointsQuery,
  ListEventsQuery,
  ResendRequest,
  ResentSchema,
  UpdateEndpointRequest,
  webhookSchemas,
} from './webhooks.schemas.ts';

const config = { scopes: ['webhooks:manage' as const] };
const tags = ['Webhooks'];

const noEndpoint = { NOT_FOUND: 'No webhook endpoint whe_uj0ubswkg9s7nnl9.' };
const noEvent = { NOT_FOUND: 'No event evt_6i7uwdw0mpmp7oix.' };
/** The URL of an endpoint: https, and a public address (services/webhooks.ts). */
const badUrl = {
  detail: 'The webhook URL must be https.',
  fields: [{ in: 'body' as const, path: ['url'], detail: 'must be https' }],
};

export const webhookRoutes: FastifyPluginAsyncTypebox<{ engine: ServiceDeps }> = async (app, deps) => {
  const { engine } = deps;
  const { db } = engine;
  registerSchemas(app, webhookSchemas);

  app.post(
    '/v1/webhook-endpoints',
    {
      config,
      schema: {
        tags,
        operationId: 'createWebhookEndpoint',
        summary: 'Register a webhook endpoint',
        description:
          'Returns the endpoint and its `whsec_…` signing secret, shown only in this answer. Events are ' +
          'POSTed with Standard Webhooks headers (`webhook-id`, `webhook-timestamp`, `webhook-signature`), ' +
          'in the payload `format` asked for (default `tesoro`, the native event).',
        body: Ref(CreateEndpointRequest),
        response: {
          201: answer(Ref(EndpointWithSecretSchema), 'The endpoint, with its signing secret.'),
          ...problems(withScopes, jsonBody, { VALIDATION_FAILED: badUrl }),
        },
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
        operationId: 'listWebhookEndpoints',
        summary: 'List webhook endpoints',
        querystring: ListEndpointsQuery,
        response: { 200: answer(EndpointPage, 'Endpoints, oldest first.'), ...problems(withScopes, query) },
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
        operationId: 'getWebhookEndpoint',
        summary: 'Get a webhook endpoint',
        params: EndpointParams,
        response: {
          200: answer(endpointRef, 'The endpoint (its secret is never shown again).'),
          ...problems(withScopes, pathId, noEndpoint),
        },
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
        operationId: 'updateWebhookEndpoint',
        summary: 'Change the URL, the event types, the payload format, the description, or enable / disable',
        params: EndpointParams,
        body: Ref(UpdateEndpointRequest),
        response: {
          200: answer(endpointRef, 'The endpoint as changed.'),
          ...problems(withScopes, pathId, jsonBody, noEndpoint, { VALIDATION_FAILED: badUrl }),
        },
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
        operationId: 'deleteWebhookEndpoint',
        summary: 'Delete a webhook endpoint and its deliveries',
        params: EndpointParams,
        response: {
          204: Type.Null({ description: 'Deleted, with its deliveries.' }),
          ...problems(withScopes, pathId, anyBody, noEndpoint),
        },
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
        operationId: 'rotateWebhookEndpointSecret',
        summary: 'Rotate the signing secret',
        description:
          'Returns the new secret (shown once). For 24 hours every delivery is signed with both the new and ' +
          'the old secret (two `v1,` signatures), so receivers can switch without missing a message.',
        params: EndpointParams,
        response: {
          200: answer(
            Ref(EndpointWithSecretSchema),
            'The endpoint with its new secret, and until when the old one still signs.',
            rotatedWebhookEndpointExample,
          ),
          ...problems(withScopes, pathId, anyBody, noEndpoint),
        },
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
        operationId: 'testWebhookEndpoint',
        summary: 'Send a webhook.test event to this endpoint',
        params: EndpointParams,
        response: {
          202: answer(eventRef, 'The test event, queued for this endpoint.', testEventExample),
          ...problems(withScopes, pathId, anyBody, noEndpoint, 'WEBHOOK_ENDPOINT_DISABLED'),
        },
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
        operationId: 'listWebhookDeliveries',
        summary: 'Deliveries to this endpoint, with every attempt',
        description:
          'Newest first. Each delivery lists its attempts (time, status code, latency, first 1 KB of the ' +
          'answer, error) and, while pending, when the next retry goes out.',
        params: EndpointParams,
        querystring: ListDeliveriesQuery,
        response: {
          200: answer(DeliveryPage, 'Deliveries, newest first.'),
          ...problems(withScopes, pathId, query, noEndpoint),
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
        operationId: 'listEvents',
        summary: 'The event log (kept 30 days)',
        querystring: ListEventsQuery,
        response: { 200: answer(EventPage, 'Events, newest first.'), ...problems(withScopes, query) },
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
        operationId: 'getEvent',
        summary: 'Get an event',
        params: EventParams,
        response: { 200: answer(eventRef, 'The event.'), ...problems(withScopes, pathId, noEvent) },
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
        operationId: 'resendEvent',
        summary: 'Send an event again',
        description:
          'To one endpoint (`endpoint_id`) or to every enabled endpoint subscribed to its type. The message ' +
          'keeps its `webhook-id` (the event id), so a receiver that already processed it can tell.',
        params: EventParams,
        body: Ref(ResendRequest),
        response: {
          202: answer(Ref(ResentSchema), 'The endpoints the event is sent to again.'),
          ...problems(withScopes, pathId, jsonBody, noEvent, 'WEBHOOK_ENDPOINT_DISABLED', {
            VALIDATION_FAILED: invalidField(
              'body',
              ['endpoint_id'],
              'receives only connection.historical_update, connection.updated',
            ),
          }),
        },
      },
    },
    async (request, reply) => {
      reply.code(202);
      return resendEvent(db, authOf(request).client.id, request.params.id, request.body.endpoint_id);
    },
  );
};
