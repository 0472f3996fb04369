// Enable Banking's ASPSP list (`GET /aspsps`) as Tesoro institutions. An institution id must stay
// the same forever (clients store it), so it is made from what names the bank at Enable Banking —
// its country and name — as `ins_eb_<cc>_<slug>`. Each bank is a redirect consent with no login
// form: the end user authenticates on the bank's own pages.
import { createHash } from 'node:crypto';
import type { Product } from '../../domain/products.ts';
import type { InstitutionDefinition } from '../connector.ts';

export interface Aspsp {
  name: string;
  country: string;
  logo?: string;
  bic?: string;
  psu_types?: string[];
  maximum_consent_validity?: number;
  beta?: boolean;
}

/** What an Enable Banking account can be in Tesoro: cash accounts, cards and loans, with movements. */
export const enableBankingProducts: readonly Product[] = [
  'accounts',
  'transactions',
  'cards',
  'card_transactions',
  'liabilities',
  'liability_transactions',
];

/** `ins_eb_es_banco_simulado`; a name that leaves no letter is kept apart by a hash of itself. */
export function institutionIdOf(aspsp: Pick<Aspsp, 'name' | 'country'>): string {
  const slug = aspsp.name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '')
    .slice(0, 48);
  const name = slug || createHash('sha256').update(aspsp.name).digest('hex').slice(0, 12);
  return `ins_eb_${aspsp.country.toLowerCase()}_${name}`;
}

/** A personal-banking ASPSP as an institution; business-only ones are left out. */
export function toInstitution(aspsp: Aspsp): InstitutionDefinition | undefined {
  if (aspsp.psu_types && !aspsp.psu_types.includes('personal')) return undefined;
  const days = aspsp.maximum_consent_validity
    ? Math.floor(aspsp.maximum_consent_validity / 86_400)
    : undefined;
  const consent = days ? ` Consent lasts up to ${days} days.` : '';
  const consentEs = days ? ` El consentimiento dura hasta ${days} días.` : '';
  return {
    id: institutionIdOf(aspsp),
    name: aspsp.name,
    country: aspsp.country.toUpperCase(),
    kind: 'bank',
    products: enableBankingProducts,
    fields: [],
    mfa: ['redirect'],
    alwaysManualRefresh: false,
    description: {
      en: `Through Enable Banking (PSD2): you sign in on your bank's website.${consent}`,
      es: `A través de Enable Banking (PSD2): inicias sesión en la web de tu banco.${consentEs}`,
    },
    cif: null,
    url: null,
    primaryColor: '#1f4e8c',
    logoUrl: aspsp.logo ?? null,
    maxConsentDays: days ?? null,
  };
}

/** The institutions of an ASPSP list, one per id (a list naming a bank twice keeps the first). */
export function institutionsOf(aspsps: readonly Aspsp[]): InstitutionDefinition[] {
  const byId = new Map<string, InstitutionDefinition>();
  for (const aspsp of aspsps) {
    const institution = toInstitution(aspsp);
    if (institution && !byId.has(institution.id)) byId.set(institution.id, institution);
  }
  return [...byId.values()];
}
