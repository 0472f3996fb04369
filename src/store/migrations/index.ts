// Migrations are listed here in order (not discovered from the file system) so that the list the
// server checks in /ready is exactly the list it runs.
import type { Migration, MigrationProvider } from 'kysely/migration';
import * as foundation from './0001-foundation.ts';
import * as connections from './0002-connections.ts';
import * as changeTracking from './0003-change-tracking.ts';
import * as webhooks from './0004-webhooks.ts';
import * as connect from './0005-connect.ts';
import * as imports from './0006-imports.ts';
import * as queuedImports from './0007-queued-imports.ts';
import * as documentParts from './0008-document-parts.ts';
import * as redirectConsent from './0009-redirect-consent.ts';
import * as typedRows from './0010-typed-rows.ts';
import * as compatHandles from './0011-compat-handles.ts';
import * as credentialFingerprints from './0012-credential-fingerprints.ts';
import * as webhookFormats from './0013-webhook-formats.ts';
import * as scheduledRefresh from './0014-scheduled-refresh.ts';
import * as consentExpiry from './0015-consent-expiry.ts';
import * as readBudget from './0016-read-budget.ts';
import * as compatIds from './0018-compat-ids.ts';
import * as balanceHistory from './0019-balance-history.ts';

export const migrations: Record<string, Migration> = {
  '0001-foundation': foundation,
  '0002-connections': connections,
  '0003-change-tracking': changeTracking,
  '0004-webhooks': webhooks,
  '0005-connect': connect,
  '0006-imports': imports,
  '0007-queued-imports': queuedImports,
  '0008-document-parts': documentParts,
  '0009-redirect-consent': redirectConsent,
  '0010-typed-rows': typedRows,
  '0011-compat-handles': compatHandles,
  '0012-credential-fingerprints': credentialFingerprints,
  '0013-webhook-formats': webhookFormats,
  '0014-scheduled-refresh': scheduledRefresh,
  '0015-consent-expiry': consentExpiry,
  '0016-read-budget': readBudget,
  '0018-compat-ids': compatIds,
  '0019-balance-history': balanceHistory,
};

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};
