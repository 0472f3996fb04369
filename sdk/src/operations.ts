// The API's operations as types, read from the generated schema (schema.ts): an operation is named
// by its method and path as the OpenAPI document writes them, `GET /v1/connections/{id}`, and its
// query, path parameters, body and result are looked up from that name. Resource methods are built
// with `endpoint(name, …)`, which both types the call and records the operation the method calls,
// so the SDK's coverage of the document can be checked (listOperations).
import type { Problem } from './errors.ts';
import type { AnswerAs, CallInit, Http, RequestOptions } from './http.ts';
import { type Page, PagedList } from './pagination.ts';
import type { paths } from './schema.ts';

type HttpMethod = 'get' | 'put' | 'post' | 'delete' | 'patch';
type Defined<T> = Exclude<T, undefined>;
type Path = keyof paths & string;

/** Every operation of the API, e.g. `'POST /v1/connections'`. */
export type OperationKey = {
  [P in Path]: {
    [M in HttpMethod]: [Defined<paths[P][M]>] extends [never] ? never : `${Uppercase<M>} ${P}`;
  }[HttpMethod];
}[Path];

type MethodOf<K extends OperationKey> = K extends `${infer M} ${string}` ? Lowercase<M> & HttpMethod : never;
type PathOf<K extends OperationKey> = K extends `${string} ${infer P}` ? P & Path : never;

/** The generated operation object of an operation. */
export type Operation<K extends OperationKey> = Defined<paths[PathOf<K>][MethodOf<K>]>;

type ParametersOf<K extends OperationKey> = Operation<K> extends { parameters: infer P } ? P : never;

/** The query parameters of an operation. */
export type Query<K extends OperationKey> = ParametersOf<K> extends { query?: infer Q } ? Defined<Q> : never;

/** The JSON body of an operation. */
export type Body<K extends OperationKey> =
  Operation<K> extends {
    requestBody?: { content: { 'application/json': infer B } };
  }
    ? B
    : never;

type SuccessStatus = 200 | 201 | 202 | 203 | 204 | 206;
/** The body of a response, whatever its media type (none: undefined). */
type ContentOf<R> = R extends { content: infer C } ? C[keyof C] : undefined;
type Responses<K extends OperationKey> = Operation<K> extends { responses: infer R } ? R : never;

/**
 * What an operation resolves to: the bodies of its success answers. A 202 OPERATION_PENDING problem
 * is not among them (however the document writes it): the SDK retries it, then throws
 * OperationPendingError.
 */
export type Result<K extends OperationKey> = Exclude<
  { [S in keyof Responses<K> & SuccessStatus]: ContentOf<Responses<K>[S]> }[keyof Responses<K> &
    SuccessStatus],
  Problem | { code: 'OPERATION_PENDING' }
>;

/** One item of an operation that answers a page (`{ data: [...] }`). */
export type Item<K extends OperationKey> = Result<K> extends { data: Array<infer T> } ? T : never;

/** A call of one operation, as a resource method makes it: the answer's JSON, text or bytes. */
export interface Call<K extends OperationKey> {
  (init?: CallInit, options?: RequestOptions): Promise<Result<K>>;
  /** The answer as text (metrics, the Connect page's files). */
  text(init?: CallInit, options?: RequestOptions): Promise<string>;
  /** The answer as bytes (a stored statement file). */
  bytes(init?: CallInit, options?: RequestOptions): Promise<Uint8Array>;
  /** Where the answer redirects to, not followed (null: it did not redirect). */
  redirect(init?: CallInit, options?: RequestOptions): Promise<{ location: string | null }>;
}

/** What a resource method declares: the operation it calls, and whether it sends the client's token. */
export interface Endpoint {
  readonly operation: OperationKey;
  readonly authenticated: boolean;
}

export abstract class Resource {
  protected readonly http: Http;

  constructor(http: Http) {
    this.http = http;
  }

  /**
   * A resource method calling `operation`: `build` receives the typed call and returns the method.
   * `{ authenticated: false }` for the public operations, which send no token.
   */
  protected endpoint<K extends OperationKey, Method extends (...args: never[]) => unknown>(
    operation: K,
    build: (call: Call<K>) => Method,
    settings: { authenticated?: boolean } = {},
  ): Method & Endpoint {
    const authenticated = settings.authenticated ?? true;
    const send =
      <T>(answerAs: AnswerAs) =>
      (init: CallInit = {}, options: RequestOptions = {}) =>
        this.http.call(operation, init, options, { authenticated, answerAs }) as Promise<T>;
    const call: Call<K> = Object.assign(send<Result<K>>('json'), {
      text: send<string>('text'),
      bytes: async (init?: CallInit, options?: RequestOptions) =>
        new Uint8Array(await send<ArrayBuffer>('arrayBuffer')(init, options)),
      redirect: send<{ location: string | null }>('redirect'),
    });
    return Object.assign(build(call), { operation, authenticated });
  }
}

/** Every resource method of a client: the operation it calls, and whether it is authenticated. */
export function listOperations(
  client: object,
): Array<{ resource: string; method: string; operation: OperationKey; authenticated: boolean }> {
  return Object.entries(client).flatMap(([resource, value]) =>
    value instanceof Resource
      ? Object.entries(value)
          .filter((entry): entry is [string, Endpoint] => isEndpoint(entry[1]))
          .map(([method, endpoint]) => ({
            resource,
            method,
            operation: endpoint.operation,
            authenticated: endpoint.authenticated,
          }))
      : [],
  );
}

function isEndpoint(value: unknown): value is Endpoint {
  return typeof value === 'function' && typeof (value as Partial<Endpoint>).operation === 'string';
}

/** The page a list operation answers. */
export type ListPage<K extends OperationKey> = Result<K> & Page<Item<K>>;

/**
 * A list operation read page by page: `query` is sent with each page's `cursor` (a `cursor` in it is
 * where the list starts).
 */
export function listByQuery<K extends OperationKey>(
  call: Call<K>,
  init: CallInit & { query?: { cursor?: string | undefined } },
  options?: RequestOptions,
): PagedList<Item<K>, ListPage<K>> {
  const { cursor, ...query } = init.query ?? {};
  return new PagedList(
    (at) => call({ ...init, query: { ...query, cursor: at } }, options) as Promise<ListPage<K>>,
    cursor,
  );
}

/** The same for a search, whose filters and cursor are in the body. */
export function listByBody<K extends OperationKey>(
  call: Call<K>,
  body: { cursor?: string | undefined },
  options?: RequestOptions,
): PagedList<Item<K>, ListPage<K>> {
  const { cursor, ...filters } = body;
  return new PagedList(
    (at) => call({ body: { ...filters, cursor: at } }, options) as Promise<ListPage<K>>,
    cursor,
  );
}
