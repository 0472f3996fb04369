// Schemas of webhook endpoints, events and deliveries.
import { Type } from 'typebox';
import { eventDescriptions, eventTypes } from '../../domain/events.ts';
import { Page, PageQuery } from '../../http/pagination.ts';
import { IdParams, Nullable, Ref, StringEnum } from '../common.schemas.ts';
import {
  createWebhookEndpointRequestExample,
  deliveryExample,
  eventExample,
  pageExample,
  resendRequestExample,
  resentExample,
  updateWebhookEndpointRequestExample,
  webhookEndpointExample,
  webhookEndpointSecretExample,
} from '../openapi/examples.ts';

export const EventTypeSchema = StringEnum(eventTypes, {
  description: eventTypes.map((type) => `\`${type}\`: ${eventDescriptions[type]}`).join('\n'),
});

const Url = Type.String({
  maxLength: 2048,
  description:
    'Where events are POSTed. https, resolving to a public address; http and loopback only in development ' +
    'mode (TESORO_ALLOW_PRIVATE_WEBHOOKS=1).',
});
const Events = Type.Array(EventTypeSchema, {
  minItems: 1,
  maxItems: eventTypes.length,
  description:
    'Event types to send; omitted or null = every type. In a non-native `format`: only types that format ' +
    'renders, and omitted or null = all of them.',
});
const Description = Type.String({ maxLength: 500 });
// Not an enum: which formats exist depends on the facades this server serves (TESORO_COMPAT), and
// the use case answers an unknown one with the list of those it does serve.
const formatDescription =
  'The body each delivery carries. `tesoro` (the default): the event, exactly as GET /v1/events/{id} ' +
  'shows it. The name of a compatibility facade this server serves (`flinks`): that vendor’s own ' +
  'webhook body, rendered from the current data when each attempt is sent, for the event types the ' +
  'format renders. Signed with the same Standard Webhooks headers either way; test events are always ' +
  'the native body. An unknown format is a 400 naming those served.';
const Format = Type.String({ minLength: 1, maxLength: 64, description: formatDescription });

export const CreateEndpointRequest = Type.Object(
  {
    url: Url,
    events: Type.Optional(Events),
    description: Type.Optional(Description),
    format: Type.Optional(Format),
  },
  {
    $id: 'CreateWebhookEndpointRequest',
    additionalProperties: false,
    examples: [createWebhookEndpointRequestExample],
  },
);

export const UpdateEndpointRequest = Type.Object(
  {
    url: Type.Optional(Url),
    events: Type.Optional(Nullable(Events)),
    description: Type.Optional(Nullable(Description)),
    format: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description: `${formatDescription} A new format without \`events\` resets them to its default.`,
      }),
    ),
    enabled: Type.Optional(
      Type.Boolean({
        description: '`true` enables a disabled endpoint again (and clears its failure streak).',
      }),
    ),
  },
  {
    $id: 'UpdateWebhookEndpointRequest',
    additionalProperties: false,
    minProperties: 1,
    examples: [updateWebhookEndpointRequestExample],
  },
);

export const EndpointSchema = Type.Object(
  {
    id: Type.String(),
    url: Type.String(),
    description: Nullable(Type.String()),
    events: Nullable(Type.Array(Type.String())),
    format: Type.String({
      description:
        'The body deliveries carry: `tesoro` (the native event) or a compatibility facade’s format.',
    }),
    enabled: Type.Boolean(),
    disabled_reason: Nullable(
      Type.String({ description: 'Why it was disabled: 410 Gone, 5 days of failures, or by the client.' }),
    ),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
  },
  {
    $id: 'WebhookEndpoint',
    description: 'Where events are POSTed, and which.',
    examples: [webhookEndpointExample],
  },
);

export const EndpointWithSecretSchema = Type.Object(
  {
    ...EndpointSchema.properties,
    secret: Type.String({
      description: 'The `whsec_…` signing secret (Standard Webhooks). Shown only here: store it now.',
    }),
    previous_secret_expires_at: Type.Optional(
      Type.String({
        format: 'date-time',
        description: 'After a rotation: until when the old secret also signs.',
      }),
    ),
  },
  {
    $id: 'WebhookEndpointWithSecret',
    description: 'A webhook endpoint with its signing secret: only when created and when rotated.',
    examples: [webhookEndpointSecretExample],
  },
);

export const EventSchema = Type.Object(
  {
    id: Type.String({ description: 'Also the `webhook-id` header of every delivery of this event.' }),
    type: Type.String(),
    created_at: Type.String({ format: 'date-time' }),
    data: Type.Object({}, { additionalProperties: true }),
  },
  { $id: 'Event', description: 'Exactly the JSON body a webhook receiver gets.', examples: [eventExample] },
);

export const DeliverySchema = Type.Object(
  {
    id: Type.String(),
    event_id: Type.String(),
    event_type: Type.String(),
    endpoint_id: Type.String(),
    status: StringEnum(['pending', 'succeeded', 'failed'] as const),
    attempt_count: Type.Integer(),
    next_attempt_at: Nullable(
      Type.String({ format: 'date-time', description: 'The next retry, while pending.' }),
    ),
    attempts: Type.Array(
      Type.Object({
        at: Type.String({ format: 'date-time' }),
        status_code: Nullable(Type.Integer()),
        latency_ms: Type.Integer(),
        response_body: Nullable(Type.String({ description: 'The first 1 KB of the answer.' })),
        error: Nullable(Type.String({ description: 'Timeout, refused address, connection error, …' })),
      }),
    ),
    created_at: Type.String({ format: 'date-time' }),
  },
  {
    $id: 'WebhookDelivery',
    description: 'One event sent to one endpoint, with every attempt.',
    examples: [deliveryExample],
  },
);

export const ResendRequest = Type.Object(
  {
    endpoint_id: Type.Optional(
      Type.String({
        maxLength: 64,
        description: 'Only this endpoint; omitted = every enabled endpoint subscribed.',
      }),
    ),
  },
  { $id: 'ResendEventRequest', additionalProperties: false, examples: [resendRequestExample] },
);

export const EndpointRef = Ref(EndpointSchema);
export const EventRef = Ref(EventSchema);

export const EndpointPage = Type.Object(
  { ...Page(EndpointRef, '').properties },
  { description: 'Endpoints, oldest first.', examples: [pageExample([webhookEndpointExample])] },
);
export const EventPage = Type.Object(
  { ...Page(EventRef, '').properties },
  {
    description: 'Events, newest first.',
    examples: [pageExample([eventExample], ['2026-12-04 08:26:04.601+00', eventExample.id])],
  },
);
export const DeliveryPage = Type.Object(
  { ...Page(Ref(DeliverySchema), '').properties },
  { description: 'Deliveries, newest first.', examples: [pageExample([deliveryExample])] },
);
export const EndpointParams = IdParams('whe');
export const EventParams = IdParams('evt');

export const ListEndpointsQuery = Type.Object(PageQuery, { additionalProperties: false });

export const ListDeliveriesQuery = Type.Object(
  { status: Type.Optional(StringEnum(['pending', 'succeeded', 'failed'] as const)), ...PageQuery },
  { additionalProperties: false },
);

export const ListEventsQuery = Type.Object(
  { type: Type.Optional(EventTypeSchema), ...PageQuery },
  { additionalProperties: false },
);

export const ResentSchema = Type.Object(
  {
    event_id: Type.String(),
    endpoint_ids: Type.Array(Type.String(), { description: 'The endpoints it is sent to again.' }),
  },
  { $id: 'EventResend', description: 'An event queued again for delivery.', examples: [resentExample] },
);

/** The schemas the webhook routes name. */
export const webhookSchemas = [
  CreateEndpointRequest,
  UpdateEndpointRequest,
  EndpointSchema,
  EndpointWithSecretSchema,
  EventSchema,
  DeliverySchema,
  ResendRequest,
  ResentSchema,
];
