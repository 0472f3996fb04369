// What a connector is. A connector reaches a family of institutions and declares each one's login
// form; it never touches the database or the HTTP layer. The extraction half of the interface
// (login, challenges, record streams, typed errors) is defined with the connections engine.
import type { Product } from '../domain/products.ts';

export type Language = 'en' | 'es';
export type Localized = Readonly<Record<Language, string>>;

export type FieldType = 'text' | 'password' | 'otp' | 'select';

/** One input of an institution's login form (seed 002's `expand=fields`). */
export interface LoginField {
  readonly name: string;
  readonly label: Localized;
  readonly type: FieldType;
  readonly required: boolean;
  /** An ECMAScript regular expression the whole value must match. */
  readonly validation?: string;
  readonly placeholder?: Localized;
  readonly options?: ReadonlyArray<{ readonly value: string; readonly label: Localized }>;
}

/** The kinds of step an institution may ask of the end user during login. */
export type ChallengeType = 'otp' | 'question' | 'decoupled' | 'redirect';

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
  /** True when every login needs the end user (seed 003's alwaysManualRefresh): no scheduled refresh. */
  readonly alwaysManualRefresh: boolean;
  readonly description: Localized;
  /** Tax id of the entity (seed 003's `cif`), when known. */
  readonly cif: string | null;
  readonly url: string | null;
  readonly primaryColor: string;
}

export interface Connector {
  /** Short name, used in logs and the registry. */
  readonly id: string;
  readonly institutions: readonly InstitutionDefinition[];
}
