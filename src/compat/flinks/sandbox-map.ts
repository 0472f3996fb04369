// Flinks institutions ↔ Tesoro institutions. Flinks names an institution by its name
// (`"Institution": "FlinksCapital"`) and shows an integer id beside it (`"InstitutionId": 14`).
// Flinks' test institutions FlinksCapital (Id 14) and FlinksInvestment (Id 999999999) are
// Tesoro sandbox institutions with the same names and Flinks' own ids, so a client's test values
// work unchanged. Every other institution keeps its native name, and its integer id is derived
// from its native id: FNV-1a (32-bit) of the id's UTF-8 text, masked to 31 bits so every client
// reads it as a positive int (0, one id in 2^31, becomes 2^31 − 1). Stable across releases and
// deployments, with no table; two institutions may share an id, which lookups survive because
// they try the name first.
import { FLINKS_CAPITAL_ID, FLINKS_INVESTMENT_ID } from '../../connectors/sandbox/flinks-capital.ts';

interface Institution {
  id: string;
  name: string;
}

const pinned: Readonly<Record<string, { Id: number; Name: string }>> = {
  [FLINKS_CAPITAL_ID]: { Id: 14, Name: 'FlinksCapital' },
  [FLINKS_INVESTMENT_ID]: { Id: 999999999, Name: 'FlinksInvestment' },
};

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const encoder = new TextEncoder();

function fnv1a31(text: string): number {
  let hash = FNV_OFFSET;
  for (const byte of encoder.encode(text)) hash = Math.imul(hash ^ byte, FNV_PRIME);
  return hash & 0x7fffffff || 0x7fffffff;
}

/** An institution as Flinks shows it: its Flinks name and integer id. */
export function flinksInstitutionOf(institution: Institution): { Id: number; Name: string } {
  const known = pinned[institution.id];
  return known ? { ...known } : { Id: fnv1a31(institution.id), Name: institution.name };
}

/** Flinks' names are compared as Flinks' clients type them: `Flinks Capital` = `FlinksCapital`. */
const comparable = (name: string) => name.replace(/\s+/g, '').toLowerCase();

function byFlinksId(id: number, institutions: ReadonlyArray<Institution>): string | undefined {
  const matches = institutions.filter((institution) => flinksInstitutionOf(institution).Id === id);
  // On a collision, Flinks' own test institution keeps its id.
  return (matches.find((institution) => Object.hasOwn(pinned, institution.id)) ?? matches[0])?.id;
}

/**
 * The native id of the institution a Flinks client names, among `institutions`: by its Flinks
 * name (any case, spaces ignored), its native id, its native name, or its Flinks integer id (a
 * number or its text). Undefined when none matches.
 */
export function nativeInstitutionOf(
  value: string | number,
  institutions: ReadonlyArray<Institution>,
): string | undefined {
  if (typeof value === 'number')
    return Number.isSafeInteger(value) ? byFlinksId(value, institutions) : undefined;
  const text = value.trim();
  if (text === '') return undefined;
  const wanted = comparable(text);
  const found =
    institutions.find((institution) => comparable(flinksInstitutionOf(institution).Name) === wanted) ??
    institutions.find((institution) => institution.id === text) ??
    institutions.find((institution) => comparable(institution.name) === wanted);
  if (found) return found.id;
  return /^\d{1,10}$/.test(text) ? byFlinksId(Number(text), institutions) : undefined;
}

/**
 * Whether a login answers in Flinks' investment form (/Authorize's `Institution: {Id, Name}` and
 * its link to /Investments) rather than the banking one: FlinksInvestment always, FlinksCapital
 * never (as at Flinks), any other institution when its products include `investments`.
 */
export const investmentInstitution = (institutionId: string, products: readonly string[]): boolean => {
  if (institutionId === FLINKS_INVESTMENT_ID) return true;
  if (institutionId === FLINKS_CAPITAL_ID) return false;
  return products.includes('investments');
};
