// Webhook payload formats. An endpoint receives Tesoro's thin event body (`tesoro`, the native
// format) unless it registered another format: a vendor facade's (Flinks pushes the whole
// GetAccountsDetail payload), rendered by the facade at each attempt from the data as it is then,
// and signed with the same Standard Webhooks headers. The core only knows the interface; the
// formats themselves live with their facades (compat/<vendor>/) and reach the dispatcher through
// ServiceDeps.webhookFormats, so nothing here imports a face.
import type { Kysely } from 'kysely';
import type { ConnectorRegistry } from '../connectors/registry.ts';
import type { EventType } from '../domain/events.ts';
import type { MasterKeyring } from '../security/envelope.ts';
import type { Schema } from '../store/schema.ts';

/** The format every endpoint has unless it asks for another: the event as GET /v1/events/{id} shows it. */
export const NATIVE_FORMAT = 'tesoro';

/** The event a delivery is of, as the dispatcher read it from the event log. */
export interface WebhookEvent {
  id: string;
  type: EventType;
  client_id: string;
  created_at: Date;
  data: Record<string, unknown>;
}

/** What a format may read while rendering (the facade's sealed values need the keyring). */
export interface FormatContext {
  db: Kysely<Schema>;
  keyring: MasterKeyring;
  now(): Date;
  /** The institutions (their names), where the dispatcher was given them (every server's is). */
  registry?: ConnectorRegistry | undefined;
}

export interface WebhookFormat {
  /** The name an endpoint registers with (`flinks`). */
  name: string;
  /** The event types this format renders; an endpoint in this format receives only these. */
  events: readonly EventType[];
  /** The body to send for this event, rendered from current data; null when there is nothing left to send (its connection was deleted since). */
  render(event: WebhookEvent, context: FormatContext): Promise<unknown | null>;
}

/** The non-native formats a process serves, by name. */
export type WebhookFormats = ReadonlyMap<string, WebhookFormat>;

/** The names an endpoint may register with on this server: the native one first. */
export function formatNames(formats: WebhookFormats): string[] {
  return [NATIVE_FORMAT, ...formats.keys()];
}
