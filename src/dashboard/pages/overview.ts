// The overview: how many connections are in each status (each a link to the filtered list), the
// latest refreshes across every connection, and the latest events.
import { connectionStatuses } from '../../domain/connection-status.ts';
import type { latestRefreshesOfClient } from '../../services/dashboard-reads.ts';
import type { listEvents } from '../../services/webhooks.ts';
import { type Html, html } from '../html.ts';
import { eventSummary } from './events.ts';
import { layout, type Viewer } from './layout.ts';
import { badge, duration, idLink, num, orDash, section, table, when } from './parts.ts';

export interface OverviewData {
  counts: Record<string, number>;
  refreshes: Awaited<ReturnType<typeof latestRefreshesOfClient>>;
  events: Awaited<ReturnType<typeof listEvents>>['data'];
}

export function overviewPage(viewer: Viewer, data: OverviewData): Html {
  const total = Object.values(data.counts).reduce((sum, n) => sum + n, 0);
  const statuses = connectionStatuses.filter((status) => (data.counts[status] ?? 0) > 0);
  const stats = html`<div class="stats">
<a class="stat" href="/dashboard/connections"><span class="stat-n">${total}</span><span class="stat-label">connections</span></a>
${statuses.map(
  (status) =>
    html`<a class="stat" href="/dashboard/connections?status=${status}"><span class="stat-n">${data.counts[status]}</span>${badge(status)}</a>`,
)}
</div>`;
  const refreshes = table(
    ['Connection', 'End user', 'Trigger', 'Outcome', 'Duration', 'Started'],
    data.refreshes.map((r) => [
      idLink(r.connection_id, `/dashboard/connections/${r.connection_id}`),
      orDash(r.external_id),
      r.trigger,
      html`${badge(r.status)}${r.error_code ? html` <code>${r.error_code}</code>` : ''}`,
      num(duration(r.duration_ms)),
      when(r.started_at ?? r.created_at),
    ]),
    'No refresh yet.',
  );
  const events = table(
    ['Event', 'About', 'At'],
    data.events.map((e) => [
      html`<a href="/dashboard/events/${e.id}"><code>${e.type}</code></a>`,
      eventSummary(e.data),
      when(e.created_at),
    ]),
    'No event yet.',
  );
  return layout({
    viewer,
    active: 'overview',
    title: 'Overview',
    content: html`${stats}
${section('Latest refreshes', refreshes, html`<a href="/dashboard/connections">All connections →</a>`)}
${section('Latest events', events, html`<a href="/dashboard/events">Event log →</a>`)}`,
  });
}
