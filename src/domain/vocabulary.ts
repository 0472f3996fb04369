// The vocabulary connectors, services and every face of the API share: languages and localized
// text, the login and challenge forms an institution asks for, and the error codes a connector
// raises (an upstream's own codes are mapped onto these in its errors.ts).

export type Language = 'en' | 'es';
export type Localized = Readonly<Record<Language, string>>;

export type FieldType = 'text' | 'password' | 'otp' | 'select';

/** One input of an institution's login form (Datanomik's `expand=fields`). */
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

/** A form's fields in one language, as the API and the Connect page show them. */
export function localizeFields(fields: readonly LoginField[], language: Language) {
  return fields.map((field) => ({
    name: field.name,
    label: field.label[language],
    type: field.type,
    required: field.required,
    ...(field.validation ? { validation: field.validation } : {}),
    ...(field.placeholder ? { placeholder: field.placeholder[language] } : {}),
    ...(field.options
      ? { options: field.options.map((option) => ({ value: option.value, label: option.label[language] })) }
      : {}),
  }));
}

/** The error vocabulary every connector speaks (DESIGN.md); upstream codes are mapped onto it. */
export const connectorErrorCodes = [
  'credentials_invalid',
  'password_expired',
  'locked',
  'action_needed',
  'challenge_required',
  'challenge_failed',
  'rate_limited',
  'institution_down',
  /** A PSD2 consent that ended (90/180 days) or was revoked: the end user must consent again. */
  'consent_expired',
  'product_unavailable',
  'unknown',
] as const;
export type ConnectorErrorCode = (typeof connectorErrorCodes)[number];
