// OFX leaf values: dates and amounts as the statement formats carry them.
import { cachedByText, normalizeAmount, sumAmounts } from '../statement.ts';

/** OFX datetime (YYYYMMDD[HHMMSS[.XXX]][[+-]h:TZ]) → yyyy-mm-dd, or null when it is not a real date. */
export function ofxDate(value: string | null): string | null {
  return value ? ofxDay(value) : null;
}

// Remembered by the whole value: a statement repeats the same few datetimes.
const ofxDay = cachedByText((value: string): string | null => {
  if (!/^\d{8}/.test(value)) return null;
  const iso = `${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6, 8)}`;
  const date = new Date(`${iso}T00:00:00Z`);
  return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== iso ? null : iso;
});

/** OFX amount: "-30.000", "1,234.56" (some banks), "12,34" (decimal comma) → decimal string. */
export function ofxAmount(value: string | null): string | null {
  if (!value) return null;
  if (isPlainNumber(value)) return normalizeAmount(value);
  let v = value.trim().replace(/\s/g, '');
  if (/^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$/.test(v)) v = v.replaceAll(',', '');
  else if (/^[-+]?\d+,\d+$/.test(v)) v = v.replace(',', '.');
  if (!/^[-+]?(\d+\.?\d*|\.\d+)$/.test(v)) return null;
  return sumAmounts([v.replace(/^\+/, '').replace(/^(-?)\./, '$10.')]);
}

/** "-30.00", "+5", ".5": an optional sign, digits and at most one point (the common case). */
function isPlainNumber(value: string): boolean {
  let index = value.charCodeAt(0) === 45 || value.charCodeAt(0) === 43 ? 1 : 0;
  let digits = 0;
  let points = 0;
  for (; index < value.length; index += 1) {
    const code = value.charCodeAt(index);
    if (code >= 48 && code <= 57) digits += 1;
    else if (code === 46 && points === 0) points = 1;
    else return false;
  }
  return digits > 0;
}
