// Powens' `/config` (SPEC §5.4 P21): a client's key/value settings, read and written with a
// manage token. Tesoro has no per-client settings store (SPEC gap G27): the values live in one
// handle per client, and no Tesoro behaviour reads them; GET answers them with Tesoro's own
// defaults first. `search` keeps the keys that contain it.
import type { FastifyPluginAsync } from 'fastify';
import { createHandle, listHandles, setHandleData } from '../../services/compat-handles.ts';
import { sendJson } from '../shared/stream.ts';
import { kinds } from './auth.ts';
import type { PowensDeps } from './deps.ts';
import { powensAnswers } from './errors.ts';
import { ConfigBody, ConfigResponse, PowensError } from './schemas.ts';

/** What GET /config answers for keys never set (Powens' values are strings). */
export const CONFIG_DEFAULTS: Readonly<Record<string, string>> = {
  'compat.powens.default_sync_days': '730',
  'compat.powens.transactions_default_window': '1 month',
  'connection.disable_new': '0',
};

const MAX_KEYS = 200;
const MAX_LENGTH = 2000;

export const configRoutes: FastifyPluginAsync<PowensDeps> = async (app, deps) => {
  const { engine } = deps;

  async function stored(clientId: string) {
    const [handle] = await listHandles<Record<string, string>>(engine, clientId, kinds.config);
    return handle;
  }

  const doc = (summary: string) => ({
    tag: 'Config',
    summary,
    responses: { 200: ConfigResponse, 400: PowensError, 401: PowensError, 403: PowensError },
  });

  app.get(
    '/config',
    {
      config: { powensAuth: 'manage', powensScopes: ['webhooks:manage'], doc: doc('The client’s settings') },
    },
    async (request, reply) => {
      const values = { ...CONFIG_DEFAULTS, ...(await stored(request.auth!.client.id))?.data };
      const search = (request.query as { search?: string }).search;
      const shown = search
        ? Object.fromEntries(Object.entries(values).filter(([key]) => key.includes(search)))
        : values;
      return sendJson(reply, shown);
    },
  );

  app.post(
    '/config',
    {
      config: {
        powensAuth: 'manage',
        powensScopes: ['webhooks:manage'],
        doc: doc('Set some of the client’s settings'),
      },
      schema: { body: ConfigBody },
    },
    async (request, reply) => {
      const clientId = request.auth!.client.id;
      const body = (request.body ?? {}) as Record<string, unknown>;
      const given = Object.fromEntries(Object.entries(body).map(([key, value]) => [key, String(value)]));
      for (const [key, value] of Object.entries(given))
        if (key.length > 200 || value.length > MAX_LENGTH) throw powensAnswers.invalid(key, 'too long');
      const handle = await stored(clientId);
      const values = { ...handle?.data, ...given };
      if (Object.keys(values).length > MAX_KEYS)
        throw powensAnswers.invalid('config', `at most ${MAX_KEYS} keys`);
      if (handle) await setHandleData(engine, handle.text!, values);
      else await createHandle(engine, { clientId, kind: kinds.config, data: values, reveal: true });
      return sendJson(reply, { ...CONFIG_DEFAULTS, ...values });
    },
  );
};
