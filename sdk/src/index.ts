// @tesoro/sdk: a typed client for the Tesoro API. See sdk/README.md.
export { Tesoro, type TesoroOptions } from './client.ts';
export {
  AuthenticationError,
  ConflictError,
  type ErrorCode,
  type FieldError,
  InvalidRequestError,
  NotFoundError,
  OperationPendingError,
  PermissionError,
  type Problem,
  RateLimitError,
  ServerError,
  TesoroConnectionError,
  TesoroError,
  UnprocessableError,
} from './errors.ts';
export type { RequestOptions } from './http.ts';
export {
  type Body,
  type Item,
  listOperations,
  type OperationKey,
  type Query,
  type Result,
} from './operations.ts';
export { type Page, PagedList, SyncFeed, type SyncPage, type SyncUpdate } from './pagination.ts';
export { type PageSession, pageSessionOf } from './resources/connect.ts';
export { type Connection, type CreateOptions, settled, type WaitOptions } from './resources/connections.ts';
export type { StatementFile } from './resources/imports.ts';
export type { ProductPath, RecordOf, Transaction } from './resources/records.ts';
export type { components, paths } from './schema.ts';
export type { PendingRetryOptions, RetryEvent } from './transport.ts';
