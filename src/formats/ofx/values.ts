// OFX leaf values: dates and amounts as the statement formats carry them.
import { cachedByText, sumAmounts } from '../statement.ts';

/** OFX datetime (YYYYMMDD[HHMMSS[.XXX]][[+-]h:TZ]) → yyyy-mm-dd, or null when it is not a real date. */
export function ofxDate(value: string | null): string | null {
  if (!value || !/^\d{8}/.test(value)) return null;
  return ofxDay(value.slice(0, 8));
}

const ofxDay = cachedByText((value: string): string | null => {
  const iso = `${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6, 8)}`;
  const date = new Date(`${iso}T00:00:00Z`);
  return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== iso ? null : iso;
});

/** OFX amount: "-30.000", "1,234.56" (some banks), "12,34" (decimal comma) → decimal string. */
export function ofxAmount(value: string | null): string | null {
  if (!value) return null;
  let v = value.trim().replace(/\s/g, '');
  if (/^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$/.test(v)) v = v.replaceAll(',', '');
  else if (/^[-+]?\d+,\d+$/.test(v)) v = v.replace(',', '.');
  if (!/^[-+]?(\d+\.?\d*|\.\d+)$/.test(v)) return null;
  return sumAmounts([v.replace(/^\+/, '').replace(/^(-?)\./, '$10.')]);
}
