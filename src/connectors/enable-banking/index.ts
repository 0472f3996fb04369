// Enable Banking's registration. The operator signs up at enablebanking.com, creates an
// application (its id) with a key pair (the private key, PEM), and registers Tesoro's callback
// `<TESORO_PUBLIC_URL>/connect/callback/enable_banking` as a redirect URL. Unconfigured, the
// connector is listed as unavailable (GET /v1/connectors) and offers no bank. The API URL is
// Enable Banking's (sandbox and production are the same host: the application is one or the other);
// another must be https, or http on loopback for a local simulator.
import { readFileSync } from 'node:fs';
import { Type } from 'typebox';
import { ConnectorConfigError, type ConnectorModule } from '../connector.ts';
import { EnableBankingConnector } from './connector.ts';

export const ENABLE_BANKING_API = 'https://api.enablebanking.com';

const settings = Type.Object({
  TESORO_ENABLE_BANKING_APP_ID: Type.String({ minLength: 1 }),
  /** The private key itself (PEM), or… */
  TESORO_ENABLE_BANKING_PRIVATE_KEY: Type.Optional(Type.String({ minLength: 1 })),
  /** …the path of a file holding it. */
  TESORO_ENABLE_BANKING_PRIVATE_KEY_FILE: Type.Optional(Type.String({ minLength: 1 })),
  TESORO_ENABLE_BANKING_API_URL: Type.Optional(Type.String({ minLength: 1 })),
  /** Comma-separated ISO country codes whose banks are offered (default: every country). */
  TESORO_ENABLE_BANKING_COUNTRIES: Type.Optional(
    Type.String({ pattern: '^[A-Za-z]{2}(\\s*,\\s*[A-Za-z]{2})*$' }),
  ),
  /** Days of consent asked (default 180; the bank's maximum wins when shorter). */
  TESORO_ENABLE_BANKING_CONSENT_DAYS: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,2}$' })),
});

const isLoopback = (host: string) => host === '127.0.0.1' || host === 'localhost' || host === '[::1]';

function apiUrlOf(text: string | undefined): string {
  const value = text ?? ENABLE_BANKING_API;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConnectorConfigError(`TESORO_ENABLE_BANKING_API_URL: not a URL (connector enable_banking)`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname)))
    throw new ConnectorConfigError(
      'TESORO_ENABLE_BANKING_API_URL: must be https (http only on loopback, for a simulator) (connector enable_banking)',
    );
  return value;
}

function privateKeyOf(given: Record<string, string>): string {
  const inline = given.TESORO_ENABLE_BANKING_PRIVATE_KEY;
  const file = given.TESORO_ENABLE_BANKING_PRIVATE_KEY_FILE;
  if (!inline === !file)
    throw new ConnectorConfigError(
      'TESORO_ENABLE_BANKING_PRIVATE_KEY or TESORO_ENABLE_BANKING_PRIVATE_KEY_FILE: set exactly one (connector enable_banking)',
    );
  const pem = inline ?? readFileSync(file!, 'utf8');
  if (!pem.includes('PRIVATE KEY'))
    throw new ConnectorConfigError(
      'TESORO_ENABLE_BANKING_PRIVATE_KEY: not a PEM private key (connector enable_banking)',
    );
  // Environment files often hold the PEM on one line with literal \n.
  return pem.replace(/\\n/g, '\n');
}

export const enableBankingModule: ConnectorModule = {
  id: 'enable_banking',
  settings,
  create(given) {
    return new EnableBankingConnector({
      applicationId: given.TESORO_ENABLE_BANKING_APP_ID!,
      privateKeyPem: privateKeyOf(given),
      apiUrl: apiUrlOf(given.TESORO_ENABLE_BANKING_API_URL),
      countries: (given.TESORO_ENABLE_BANKING_COUNTRIES ?? '')
        .split(',')
        .map((c) => c.trim().toUpperCase())
        .filter(Boolean),
      consentDays: Number(given.TESORO_ENABLE_BANKING_CONSENT_DAYS ?? 180),
    });
  },
};
