// The vendor facades: each is one folder under src/compat/ and one line in `facades` below. A
// facade is a Fastify plugin mounted at /compat/<vendor> (the vendor's own paths follow the
// prefix byte for byte); TESORO_COMPAT chooses which are served (`all`, `none` or a list).
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { frameworkAppError, frameworkErrorHandler } from '../http/error-handler.ts';
import { NATIVE_FORMAT, type WebhookFormats } from '../webhooks/formats.ts';
import { datanomikFacade } from './datanomik/index.ts';
import { flanksFacade } from './flanks/index.ts';
import { flinksFacade } from './flinks/index.ts';
import { powensFacade } from './powens/index.ts';
import { sendVendorError } from './shared/errors.ts';
import type { Facade, FacadeDeps } from './shared/facade.ts';

export const facades: readonly Facade[] = [flanksFacade, flinksFacade, datanomikFacade, powensFacade];

export const facadeNames = facades.map((facade) => facade.name);

/** TESORO_COMPAT's value → the facades it names; an unknown name is an error. */
export function selectFacades(setting: string): Facade[] {
  const value = setting.trim().toLowerCase();
  if (value === '' || value === 'all') return [...facades];
  if (value === 'none') return [];
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = names.filter((name) => !facadeNames.includes(name));
  if (unknown.length > 0)
    throw new Error(
      `TESORO_COMPAT names unknown facades: ${unknown.join(', ')} (known: ${facadeNames.join(', ')})`,
    );
  return facades.filter((facade) => names.includes(facade.name));
}

/**
 * The webhook payload formats of the selected facades, by name. Two formats of one name, or one
 * named like the native format, could not be told apart by an endpoint: an error at start.
 */
export function webhookFormatsOf(selected: readonly Facade[]): WebhookFormats {
  const formats = new Map<string, NonNullable<Facade['webhookFormat']>>();
  for (const facade of selected) {
    const format = facade.webhookFormat;
    if (!format) continue;
    if (format.name === NATIVE_FORMAT || formats.has(format.name))
      throw new Error(`the webhook format ${format.name} of the ${facade.name} facade is already taken`);
    formats.set(format.name, format);
  }
  return formats;
}

export const facadePrefix = (facade: Facade) => `/compat/${facade.name}`;

/** Every prefix a facade is mounted at: its own, then one per alias (/compat/<alias>). */
export const facadePrefixes = (facade: Facade) => [
  facadePrefix(facade),
  ...(facade.aliases ?? []).map((alias) => `/compat/${alias}`),
];

/**
 * Fastify's `frameworkErrors` (the router refuses a URL before any route runs): under a facade's
 * prefix, in that facade's envelope; elsewhere, problem+json.
 */
export function frameworkErrorsFor(selected: readonly Facade[]) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const facade = selected.find((f) =>
      facadePrefixes(f).some((prefix) => request.url.startsWith(`${prefix}/`)),
    );
    if (!facade) return frameworkErrorHandler(error, request, reply);
    reply.header('x-request-id', request.id);
    return sendVendorError(reply, request, frameworkAppError(error), facade.renderError);
  };
}

export async function registerFacades(
  app: FastifyInstance,
  selected: readonly Facade[],
  deps: FacadeDeps,
): Promise<void> {
  for (const facade of selected)
    for (const prefix of facadePrefixes(facade)) await app.register(facade.plugin, { ...deps, prefix });
}
