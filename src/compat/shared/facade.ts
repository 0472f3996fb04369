// What a facade is and what it receives. Kept apart from compat/index.ts (the list of facades)
// so a facade's own files never import the list that imports them.
import type { FastifyPluginAsync } from 'fastify';
import type { ConnectorRegistry } from '../../connectors/registry.ts';
import type { AuthFailures } from '../../http/auth-failures.ts';
import type { ServiceDeps } from '../../services/deps.ts';
import type { KeyStore } from '../../services/keys.ts';
import type { WebhookFormat } from '../../webhooks/formats.ts';
import type { RenderError } from './errors.ts';

/** What every facade receives: the services' dependencies and the HTTP layer's shared pieces. */
export interface FacadeDeps {
  engine: ServiceDeps;
  keys: KeyStore;
  registry: ConnectorRegistry;
  /** The server's public URL (token issuer, links the facade hands out). */
  publicUrl: string;
  failures: AuthFailures | undefined;
  /** The server's environment, for a facade's own settings (TESORO_COMPAT_<VENDOR>_…). */
  env: Readonly<Record<string, string | undefined>>;
}

export interface Facade {
  /** The name TESORO_COMPAT lists, and the last part of the prefix (/compat/<name>). */
  name: string;
  /** The vendor's name as its customers write it (documents, the /docs page). */
  title: string;
  /**
   * Other names the vendor is known by (Powens was Budget Insight): the same plugin is also
   * mounted at /compat/<alias>, with its own envelope and document there.
   */
  aliases?: readonly string[];
  plugin: FastifyPluginAsync<FacadeDeps>;
  /** Native errors in the vendor's envelope: the plugin's own handlers, and the router's refusals. */
  renderError: RenderError;
  /**
   * The vendor's webhook bodies, for endpoints registered with `format: <its name>`; served (and
   * registrable) only while TESORO_COMPAT serves the facade.
   */
  webhookFormat?: WebhookFormat;
}
