// The statement files a client imported, listed (SPEC gap G21: Powens' documents, and any client
// that wants to find a file again without keeping the import's answer). Their bytes are read with
// GET /v1/documents/{id}/content (imports/reads.ts).
import { listDocumentRows, pageDocumentRows } from '../store/documents.ts';
import type { PageResult } from '../store/keyset.ts';
import type { ServiceDeps } from './deps.ts';

export interface DocumentView {
  id: string;
  connection_id: string | null;
  filename: string | null;
  content_type: string;
  size: number;
  sha256: string;
  created_at: string;
}

export interface DocumentFilters {
  connectionIds?: readonly string[];
  createdFrom?: Date;
  createdTo?: Date;
}

export interface DocumentListQuery extends DocumentFilters {
  limit: number;
  offset: number;
}

type Row = { created_at: Date | string } & Omit<DocumentView, 'created_at'>;
const present = (row: Row): DocumentView => ({ ...row, created_at: new Date(row.created_at).toISOString() });

/** By offset, with the total (facades whose clients page so: Powens). */
export async function listDocuments(
  deps: Pick<ServiceDeps, 'db'>,
  clientId: string,
  query: DocumentListQuery,
): Promise<{ data: DocumentView[]; total: number }> {
  const { limit, offset, ...filters } = query;
  const { rows, total } = await listDocumentRows(deps.db, { clientId, ...filters }, { limit, offset });
  return { data: rows.map(present), total };
}

/** GET /v1/documents: one keyset page, newest first. */
export async function pageDocuments(
  deps: Pick<ServiceDeps, 'db'>,
  clientId: string,
  filters: DocumentFilters,
  page: { page_size: number; cursor?: string | undefined },
): Promise<PageResult<DocumentView>> {
  const { rows, has_more, next_cursor } = await pageDocumentRows(deps.db, { clientId, ...filters }, page);
  return { data: rows.map(present), has_more, next_cursor };
}
