// One call of an operation over openapi-fetch: it builds the URL (path parameters, query string),
// serialises the body and parses the answer; the transport under it handles the token and the
// pending retries. A non-2xx answer becomes a TesoroError here.
import createClient, { type Client } from 'openapi-fetch';
import { errorFromResponse } from './errors.ts';
import type { paths } from './schema.ts';
import type { Transport } from './transport.ts';

/** Options every SDK method takes last. */
export interface RequestOptions {
  /** Aborts the request, and any wait for a retry. */
  signal?: AbortSignal;
  /** Extra headers for this request (`x-request-id`, say). */
  headers?: Record<string, string>;
}

/** What a resource method sends: openapi-fetch's parameters, flattened. */
export interface CallInit {
  path?: Record<string, string>;
  query?: object;
  body?: unknown;
  headers?: Record<string, string>;
  /** The body is sent as it is (a statement file), not as JSON. */
  raw?: boolean;
}

/** How a success answer is read; `redirect`: a redirect is answered as `{ location }`, not followed. */
export type AnswerAs = 'json' | 'text' | 'arrayBuffer' | 'redirect';

// openapi-fetch's `request`, as the generic caller below uses it: the operation is only known as a
// string here; the resource methods carry its types.
type UntypedRequest = (
  method: string,
  path: string,
  init: Record<string, unknown>,
) => Promise<{ data?: unknown; error?: unknown; response: Response }>;

export class Http {
  /** The typed openapi-fetch client, authenticated like the resource methods. */
  readonly api: Client<paths>;
  private readonly transport: Transport;

  constructor(baseUrl: string, transport: Transport, headers: Record<string, string> = {}) {
    this.transport = transport;
    this.api = createClient<paths>({ baseUrl, fetch: transport.authorized, headers });
  }

  async call(
    /** `METHOD /path/{param}`, as the document names it. */
    operation: string,
    init: CallInit,
    options: RequestOptions,
    how: { authenticated: boolean; answerAs: AnswerAs },
  ): Promise<unknown> {
    const [method, path] = operation.split(' ') as [string, string];
    const request = this.api.request as unknown as UntypedRequest;
    const keepRedirect = how.answerAs === 'redirect';
    const { data, error, response } = await request(method, path, {
      params: { path: init.path, query: init.query },
      body: init.body,
      headers: { ...init.headers, ...options.headers },
      parseAs: keepRedirect ? 'text' : how.answerAs,
      fetch: how.authenticated ? this.transport.authorized : this.transport.anonymous,
      ...(options.signal ? { signal: options.signal } : {}),
      // A file goes as it is; a stream body needs `duplex` (fetch's rule for request streams).
      ...(init.raw ? { bodySerializer: (body: unknown) => body } : {}),
      ...(init.body instanceof ReadableStream ? { duplex: 'half' } : {}),
      ...(keepRedirect ? { redirect: 'manual' } : {}),
    });
    if (keepRedirect && response.status >= 300 && response.status < 400)
      return { location: response.headers.get('location') };
    if (!response.ok) throw errorFromResponse(response, error);
    return keepRedirect ? { location: null } : data;
  }
}
