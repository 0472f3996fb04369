// Datanomik institutions ↔ Tesoro institutions. Datanomik names an institution by an upper-case
// code (`ITAU`, `BANCO_BRASIL`) and shows a UUID beside it (`institution_id`). Datanomik publishes
// no fixed sandbox values, so the Tesoro sandbox institutions get codes that read like Datanomik's
// (SPEC §4.6): BANCO_SANDBOX, SANDBOX_VALORES, BANCO_SANDBOX_FIRMA, CAJA_SANDBOX_INESTABLE. Every
// other institution's code is its name in Datanomik's style (accents dropped, upper case, `_`
// between words), and its UUID a name-based UUID of its native id: stable, with no table, and
// looked up by recomputing it. Credentials pass through unchanged (`user_good` / `pass_good`).
import { nameUuid } from './map.ts';

interface Institution {
  id: string;
  name: string;
}

const pinned: Readonly<Record<string, string>> = {
  ins_sandbox_bank: 'BANCO_SANDBOX',
  ins_sandbox_broker: 'SANDBOX_VALORES',
  ins_sandbox_otp_bank: 'BANCO_SANDBOX_FIRMA',
  ins_sandbox_flaky_bank: 'CAJA_SANDBOX_INESTABLE',
};

/** A name as Datanomik writes codes: `Caja Rural de Navarra` → `CAJA_RURAL_DE_NAVARRA`. */
export function codeOfName(name: string): string {
  return name
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** The Datanomik code of a Tesoro institution. */
export function institutionCode(institution: Institution): string {
  return pinned[institution.id] ?? codeOfName(institution.name);
}

/** The UUID Datanomik's `institution_id` shows for a Tesoro institution. */
export const institutionUuid = (nativeId: string): string => nameUuid('institution', nativeId);

/**
 * The native id of the institution a Datanomik client names: by its code (any case), its
 * `institution_id` UUID, or its native id. Undefined when none matches.
 */
export function nativeInstitutionOf(
  value: string,
  institutions: ReadonlyArray<Institution>,
): string | undefined {
  const text = value.trim();
  if (text === '') return undefined;
  const code = text.toUpperCase();
  const lower = text.toLowerCase();
  return (
    institutions.find((institution) => institutionCode(institution) === code) ??
    institutions.find((institution) => institutionUuid(institution.id) === lower) ??
    institutions.find((institution) => institution.id === text)
  )?.id;
}
