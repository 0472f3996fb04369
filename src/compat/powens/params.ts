// Typed reads of Powens' parameters, in JSON or form-encoded bodies and query strings: `expand`
// (a comma list whose items may nest with brackets: `accounts[transactions]`), booleans as Powens'
// clients write them (`true`, `1`), and the connector a body names.
import { powensAnswers } from './errors.ts';

/** The items of an `expand` list, nested ones flattened with their parent (`accounts[transactions]`). */
export function expandOf(value: unknown): Set<string> {
  const items = new Set<string>();
  if (typeof value !== 'string') return items;
  let depth = 0;
  let current = '';
  const flush = () => {
    const item = current.trim();
    if (item) items.add(item);
    current = '';
  };
  for (const char of value) {
    if (char === '[') depth += 1;
    if (char === ']') depth = Math.max(0, depth - 1);
    if (char === ',' && depth === 0) flush();
    else current += char;
  }
  flush();
  // `accounts[transactions]` also expands `accounts`.
  for (const item of [...items]) {
    const bracket = item.indexOf('[');
    if (bracket > 0) items.add(item.slice(0, bracket));
  }
  return items;
}

/** A Powens boolean: true/false, 1/0 (as text from a form, or JSON). */
export function boolOf(value: unknown, name: string): boolean | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (value === true || value === 'true' || value === '1' || value === 1) return true;
  if (value === false || value === 'false' || value === '0' || value === 0) return false;
  throw powensAnswers.invalid(name, 'true or false');
}

/** A text parameter of a body (numbers become their text: a JSON OTP code may be a number). */
export function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** A datetime parameter (`YYYY-MM-DD HH:MM:SS` or ISO 8601) as an ISO string. */
export function dateTimeOf(value: unknown, name: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  const parsed = new Date(
    String(value).replace(' ', 'T') + (/[zZ]|[+-]\d\d:?\d\d$/.test(String(value)) ? '' : 'Z'),
  );
  if (Number.isNaN(parsed.getTime())) throw powensAnswers.invalid(name, 'a datetime YYYY-MM-DD HH:MM:SS');
  return parsed.toISOString();
}
