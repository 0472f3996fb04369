// What a connector is. A connector reaches a family of institutions: it declares each one's login
// form, logs in with the credentials that form describes (raising challenges the end user answers),
// and yields normalised records per product as async batches. It never touches the database or
// the HTTP layer; the extraction engine owns persistence, ids, dedupe, status and events.
import type { TObject } from 'typebox';
import type { Product } from '../domain/products.ts';
import type { NormalizedRecord } from '../domain/records.ts';
import type { ChallengeType, ConnectorErrorCode, Localized, LoginField } from '../domain/vocabulary.ts';
import type { ParseResult } from '../formats/statement.ts';

export {
  type ChallengeType,
  type ConnectorErrorCode,
  connectorErrorCodes,
  type FieldType,
  type Language,
  type Localized,
  type LoginField,
  localizeFields,
} from '../domain/vocabulary.ts';

export interface InstitutionDefinition {
  /** `ins_…`, stable forever: clients store it. */
  readonly id: string;
  readonly name: string;
  /** ISO 3166-1 alpha-2. */
  readonly country: string;
  readonly kind: 'bank' | 'broker' | 'card_issuer' | 'file';
  readonly products: readonly Product[];
  readonly fields: readonly LoginField[];
  readonly mfa: readonly ChallengeType[];
  /** True when every login needs the end user (Flanks' alwaysManualRefresh): no scheduled refresh. */
  readonly alwaysManualRefresh: boolean;
  readonly description: Localized;
  /** Tax id of the entity (Flanks' `cif`), when known. */
  readonly cif: string | null;
  readonly url: string | null;
  readonly primaryColor: string;
  /** The institution's logo, where its upstream publishes one (Enable Banking's ASPSP list). */
  readonly logoUrl?: string | null;
  /** The longest consent the institution grants, in days (PSD2 banks: 90 or 180). */
  readonly maxConsentDays?: number | null;
}

/** A connector as registered: its settings and how to build it. */
export interface ConnectorModule {
  readonly id: string;
  /**
   * The environment variables it reads, as a TypeBox object (names in UPPER_SNAKE, values
   * strings). Without one, the connector needs no configuration.
   */
  readonly settings?: TObject;
  /** Builds the connector from its settings, validated against `settings`. */
  create(settings: Record<string, string>): Connector | Promise<Connector>;
}

/** A bad connector setting, named like the rest of the configuration's errors. */
export class ConnectorConfigError extends Error {
  override name = 'ConnectorConfigError';
}

export class ConnectorError extends Error {
  readonly code: ConnectorErrorCode;
  /** For rate_limited: seconds until a retry may succeed. */
  readonly retryAfterSeconds: number | undefined;
  /** For challenge_failed: answers the end user may still try. */
  readonly attemptsLeft: number | undefined;

  constructor(
    code: ConnectorErrorCode,
    message: string,
    options: { retryAfterSeconds?: number; attemptsLeft?: number } = {},
  ) {
    super(message);
    this.name = 'ConnectorError';
    this.code = code;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.attemptsLeft = options.attemptsLeft;
  }
}

/** A step that needs the end user, raised by login and answered through the API or Connect page. */
export interface ChallengeRequest {
  readonly type: ChallengeType;
  readonly prompt: Localized;
  /** The answer form, in the same shape as login fields. */
  readonly fields: readonly LoginField[];
  /** For decoupled challenges: how often the engine should poll `login` again, in ms. */
  readonly pollAfterMs?: number;
  /** For redirect challenges: where to send the end user. */
  readonly redirectUrl?: string;
  /** Seconds the institution waits for the answer. */
  readonly expiresInSeconds: number;
}

/** Opaque per-connection state a connector keeps between calls (cookies, a pending challenge…). */
export type SessionState = Record<string, unknown>;

/**
 * Where an institution's redirect consent comes back to: Tesoro's public callback for this
 * connector, and the `state` to send with it (the callback matches it to the open challenge).
 */
export interface RedirectTarget {
  readonly callbackUrl: string;
  readonly state: string;
}

/**
 * The end user is there (the Connect page, a consent callback): PSD2 APIs want their address and
 * user agent with every call made on their behalf (PSU-IP-Address, PSU-User-Agent).
 */
export interface UserPresent {
  readonly ip: string;
  readonly userAgent: string | null;
}

export interface LoginInput {
  readonly institutionId: string;
  readonly credentials: Readonly<Record<string, string>>;
  readonly session: SessionState;
  /**
   * Answers to the challenge the previous login call raised, if any. A redirect consent's answers
   * are the query parameters the institution sent back to the callback (`code`, `error`, …).
   */
  readonly answers?: Readonly<Record<string, string>>;
  /** How many refreshes this connection has had before (the sandbox uses it to vary data). */
  readonly refreshNumber: number;
  readonly now: Date;
  /** For a redirect consent: where the institution must send the end user back. */
  readonly redirect?: RedirectTarget;
  /** Set during interactive refreshes: the end user's address and browser. */
  readonly userPresent?: UserPresent;
}

export type LoginResult =
  | {
      readonly status: 'ok';
      readonly session: SessionState;
      /** When the consent this login holds ends (PSD2): shown on the connection, warned of before. */
      readonly consentExpiresAt?: Date;
    }
  | { readonly status: 'challenge'; readonly challenge: ChallengeRequest; readonly session: SessionState };

export interface ExtractInput {
  readonly institutionId: string;
  readonly session: SessionState;
  readonly product: Product;
  /** The oldest date the caller wants records from (history_days). */
  readonly since: Date;
  readonly refreshNumber: number;
  readonly now: Date;
  readonly userPresent?: UserPresent;
}

/** What a connector yields for each product it extracts, as async batches. */
export interface ProductSource {
  /** The products this source fills. */
  readonly products: readonly Product[];
  records(product: Product): AsyncIterable<readonly NormalizedRecord[]>;
}

/** A connector's reads a day per connection (Connector.readBudget). */
export interface ReadBudget {
  readonly perDay: number;
  /** Only refreshes without the end user present count. */
  readonly unattendedOnly: boolean;
}

export interface Connector {
  /** Short name, used in logs, the registry and the consent callback's path. */
  readonly id: string;
  /** The institutions it reaches (those it knows without asking its upstream). */
  readonly institutions: readonly InstitutionDefinition[];
  /**
   * An upstream that publishes its own catalog (thousands of banks per country): asked once when
   * the registry is built; the result replaces `institutions`.
   */
  listInstitutions?(): Promise<readonly InstitutionDefinition[]>;
  /**
   * Connectors of files (institutions of kind 'file'): the records of a statement file already
   * parsed, for the import pipeline. `intoAccount`: an existing account the movements join.
   */
  fromFile?(file: ParseResult, options: { intoAccount?: string | undefined }): ProductSource;
  /**
   * How often the upstream lets a connection be read: Tesoro refuses a refresh beyond it
   * (`rate_limited`, retried when a read is free again) rather than spend a read the upstream would
   * refuse or hold against the app. PSD2 allows four reads a day without the end user
   * (`unattendedOnly`: those with them present do not count); the SimpleFIN Bridge a few a day.
   */
  readonly readBudget?: ReadBudget;
  /** Logs in; returns a session or a challenge, or throws a ConnectorError. */
  login(input: LoginInput): Promise<LoginResult>;
  /** Yields the product's records in batches; throws ConnectorError('product_unavailable') if it has none. */
  extract(input: ExtractInput): AsyncIterable<readonly NormalizedRecord[]>;
}
