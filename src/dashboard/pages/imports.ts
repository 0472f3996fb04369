// The client's statement imports, newest first: file, format, status, what the file held and what
// was added, the connection it went to, and why a failed one failed.
import type { importPage } from '../../services/dashboard-reads.ts';
import { type Html, html } from '../html.ts';
import { layout, type Viewer } from './layout.ts';
import { badge, idLink, orDash, pager, section, table, when } from './parts.ts';

type Import = Awaited<ReturnType<typeof importPage>>['data'][number];

const count = (summary: Record<string, unknown>, name: string) =>
  typeof summary[name] === 'number' ? (summary[name] as number) : null;

function summaryOf(row: Import): Html {
  const summary = (row.summary ?? {}) as Record<string, unknown>;
  if (row.status === 'failed')
    return html`<span class="muted">${typeof summary.error === 'string' ? summary.error : 'failed'}</span>`;
  if (row.status === 'processing') return html`<span class="muted">being read</span>`;
  const parts = [
    ['transactions', count(summary, 'transactions')],
    ['added', count(summary, 'added')],
    ['modified', count(summary, 'modified')],
    ['removed', count(summary, 'removed')],
  ] as const;
  const dates =
    typeof summary.first_date === 'string' && typeof summary.last_date === 'string'
      ? html`<br><span class="muted">${summary.first_date} → ${summary.last_date}</span>`
      : '';
  return html`<span class="kv">${parts
    .filter(([, n]) => n !== null)
    .map(
      ([label, n]) => html`<span><strong>${n}</strong> <span class="muted">${label}</span></span>`,
    )}</span>${dates}`;
}

export function importsPage(
  viewer: Viewer,
  page: Awaited<ReturnType<typeof importPage>>,
  cursor: string | undefined,
): Html {
  const rows = table(
    ['Import', 'File', 'Format', 'Status', 'Summary', 'Issues', 'Connection', 'Created'],
    page.data.map((row) => [
      html`<code class="id">${row.id}</code>`,
      orDash(row.filename),
      orDash(row.format),
      badge(row.status),
      summaryOf(row),
      Array.isArray(row.issues) ? row.issues.length : 0,
      row.connection_id
        ? idLink(row.connection_id, `/dashboard/connections/${row.connection_id}`)
        : orDash(null),
      when(row.created_at),
    ]),
    'No statement imported yet (POST /v1/imports).',
  );
  return layout({
    viewer,
    active: 'imports',
    title: 'Imports',
    subtitle: 'Statement files turned into connections, newest first.',
    content: section(
      'Statement imports',
      html`${rows}${pager('/dashboard/imports', {}, { cursor, next_cursor: page.next_cursor })}`,
    ),
  });
}
