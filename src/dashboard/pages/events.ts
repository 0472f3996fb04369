// The event log (newest first, optionally of one type) and one event with its data.
import { eventTypes } from '../../domain/events.ts';
import type { getEventOrThrow, listEvents } from '../../services/webhooks.ts';
import { type Html, html } from '../html.ts';
import { layout, type Viewer } from './layout.ts';
import { idLink, pager, section, table, when } from './parts.ts';

/** The ids an event is about, in a line: what an operator scans the log for. */
export function eventSummary(data: unknown): Html {
  if (data === null || typeof data !== 'object') return html`<span class="muted">—</span>`;
  const entries = Object.entries(data as Record<string, unknown>)
    .filter(([, value]) => typeof value === 'string' || typeof value === 'number')
    .slice(0, 3);
  if (entries.length === 0) return html`<span class="muted">—</span>`;
  return html`<span class="kv">${entries.map(
    ([key, value]) =>
      html`<span><span class="muted">${key}</span> <code>${String(value).slice(0, 80)}</code></span>`,
  )}</span>`;
}

export function eventsPage(
  viewer: Viewer,
  page: Awaited<ReturnType<typeof listEvents>>,
  query: { type: string | undefined; cursor: string | undefined },
): Html {
  const filter = html`<form class="filters" method="get" action="/dashboard/events">
<label for="type">Type</label>
<select id="type" name="type">
<option value="">Every type</option>
${eventTypes.map((type) => html`<option value="${type}"${type === query.type ? html` selected` : ''}>${type}</option>`)}
</select>
<button type="submit" class="button button-quiet">Filter</button>
</form>`;
  const rows = table(
    ['Event', 'Id', 'About', 'At'],
    page.data.map((e) => [
      html`<code>${e.type}</code>`,
      idLink(e.id, `/dashboard/events/${e.id}`),
      eventSummary(e.data),
      when(e.created_at),
    ]),
    query.type ? `No ${query.type} event in the last 30 days.` : 'No event in the last 30 days.',
  );
  return layout({
    viewer,
    active: 'events',
    title: 'Events',
    subtitle: 'What Tesoro told this client, newest first (kept 30 days).',
    content: section(
      'Event log',
      html`${filter}${rows}${pager('/dashboard/events', { type: query.type }, { cursor: query.cursor, next_cursor: page.next_cursor })}`,
    ),
  });
}

export function eventPage(viewer: Viewer, event: Awaited<ReturnType<typeof getEventOrThrow>>): Html {
  return layout({
    viewer,
    active: 'events',
    title: event.type,
    subtitle: html`<code>${event.id}</code> · ${when(event.created_at)}`,
    content: section(
      'Data',
      html`<pre class="json">${JSON.stringify(event.data, null, 2)}</pre>
<p class="muted">To send it again, use Replay on the delivery of a webhook endpoint.</p>`,
      html`<a href="/dashboard/events">← Event log</a>`,
    ),
  });
}
