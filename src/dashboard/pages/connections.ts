// The client's connections, optionally of one status, in pages: each with its institution, end
// user, status and last refresh.
import { connectionStatuses } from '../../domain/connection-status.ts';
import type { listConnections } from '../../services/connection-list.ts';
import { type Html, html } from '../html.ts';
import { layout, type Viewer } from './layout.ts';
import { badge, idLink, orDash, pager, section, table, when } from './parts.ts';

export function connectionsPage(
  viewer: Viewer,
  page: Awaited<ReturnType<typeof listConnections>>,
  query: { status: string | undefined; cursor: string | undefined },
  institutionName: (id: string) => string,
): Html {
  const filter = html`<form class="filters" method="get" action="/dashboard/connections">
<label for="status">Status</label>
<select id="status" name="status">
<option value="">Every status</option>
${connectionStatuses.map(
  (status) =>
    html`<option value="${status}"${status === query.status ? html` selected` : ''}>${status}</option>`,
)}
</select>
<button type="submit" class="button button-quiet">Filter</button>
</form>`;
  const rows = table(
    ['Connection', 'Institution', 'End user', 'Status', 'Last refresh', 'Created'],
    page.data.map((c) => [
      idLink(c.id, `/dashboard/connections/${c.id}`),
      institutionName(c.institution_id),
      orDash(c.external_id),
      html`${badge(c.status)}${c.needs_user ? html` <span class="badge badge-warn">needs user</span>` : ''}`,
      when(c.last_refresh_at),
      when(c.created_at),
    ]),
    query.status ? `No connection is ${query.status}.` : 'No connection yet.',
  );
  const count = page.total === undefined ? '' : html`<span class="muted">${page.total} in all</span>`;
  return layout({
    viewer,
    active: 'connections',
    title: 'Connections',
    subtitle: 'Every end user’s access to an institution, oldest first.',
    content: section(
      'Connections',
      html`${filter}${rows}${pager('/dashboard/connections', { status: query.status }, { cursor: query.cursor, next_cursor: page.next_cursor })}`,
      count,
    ),
  });
}
