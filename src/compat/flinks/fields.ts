// Typed reads of a Flinks body's fields. Flinks' clients differ in the case of keys (`LoginId`,
// `loginId`; a public Ruby client camelizes snake_case), so every key is matched case-insensitively
// (body.ts); a field of the wrong type is Flinks' 400 INVALID_REQUEST naming it, before anything
// is changed.
import { field } from './body.ts';
import { flinksAnswers } from './errors.ts';

export function textField(body: unknown, name: string): string | undefined {
  const value = field(body, name);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw flinksAnswers.invalidRequest(`${name} must be a string.`);
  return value;
}

export function boolField(body: unknown, name: string): boolean | undefined {
  const value = field(body, name);
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  // Form-encoded and some clients send booleans as text.
  if (value === 'true' || value === 'false') return value === 'true';
  throw flinksAnswers.invalidRequest(`${name} must be true or false.`);
}

/** `DaysOfTransactions`: Days90, Days365 (a public client sends Days360, read as 365). */
export function daysField(body: unknown): number | undefined {
  const value = textField(body, 'DaysOfTransactions');
  if (value === undefined) return undefined;
  const days = { days90: 90, days360: 365, days365: 365 }[value.toLowerCase()];
  if (days === undefined) throw flinksAnswers.invalidRequest('DaysOfTransactions must be Days90 or Days365.');
  return days;
}

/** A date (YYYY-MM-DD, or a date-time whose date is taken). */
export function dateField(body: unknown, name: string): string | undefined {
  const value = textField(body, name);
  if (value === undefined) return undefined;
  const match = /^(\d{4}-\d{2}-\d{2})(?:[T ].*)?$/.exec(value);
  if (!match || Number.isNaN(Date.parse(match[1]!)))
    throw flinksAnswers.invalidRequest(`${name} must be a date (YYYY-MM-DD).`);
  return match[1];
}

export function textListField(body: unknown, name: string): string[] | undefined {
  const value = field(body, name);
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string'))
    throw flinksAnswers.invalidRequest(`${name} must be a list of strings.`);
  return value as string[];
}
