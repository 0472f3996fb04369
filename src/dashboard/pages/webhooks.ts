// The client's webhook endpoints, and one endpoint with every delivery (newest first), each with
// its attempts and a Replay button that sends its event again to this endpoint. The endpoint's
// signing secret is never shown; a URL's user:password part is masked.
import type { listDeliveries, listEndpoints, presentEndpoint } from '../../services/webhooks.ts';
import { type Html, html } from '../html.ts';
import { layout, type Viewer } from './layout.ts';
import { badge, facts, idLink, pager, section, table, when } from './parts.ts';

type Endpoint = ReturnType<typeof presentEndpoint>;

/** The URL as registered, with any credentials in it masked. */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.username && !parsed.password) return url;
    parsed.username = '***';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url;
  }
}

const enabledBadge = (endpoint: Endpoint) =>
  endpoint.enabled
    ? badge('enabled')
    : html`${badge('disabled')}${endpoint.disabled_reason ? html` <span class="muted">${endpoint.disabled_reason}</span>` : ''}`;

const eventsOf = (endpoint: Endpoint) =>
  endpoint.events ? endpoint.events.map((type) => html`<code class="chip">${type}</code> `) : 'every event';

export function webhooksPage(
  viewer: Viewer,
  page: Awaited<ReturnType<typeof listEndpoints>>,
  cursor: string | undefined,
): Html {
  const rows = table(
    ['Endpoint', 'URL', 'Events', 'Format', 'State', 'Created'],
    page.data.map((e) => [
      idLink(e.id, `/dashboard/webhooks/${e.id}`),
      html`<span class="url">${displayUrl(e.url)}</span>${e.description ? html`<br><span class="muted">${e.description}</span>` : ''}`,
      eventsOf(e),
      e.format,
      enabledBadge(e),
      when(e.created_at),
    ]),
    'No webhook endpoint registered (POST /v1/webhook-endpoints).',
  );
  return layout({
    viewer,
    active: 'webhooks',
    title: 'Webhooks',
    subtitle: 'Where Tesoro posts this client’s events.',
    content: section(
      'Endpoints',
      html`${rows}${pager('/dashboard/webhooks', {}, { cursor, next_cursor: page.next_cursor })}`,
    ),
  });
}

type Delivery = Awaited<ReturnType<typeof listDeliveries>>['data'][number];

function attemptsOf(delivery: Delivery): Html {
  if (delivery.attempts.length === 0) return html`<span class="muted">not tried yet</span>`;
  return html`<ol class="attempts">${delivery.attempts.map(
    (a) => html`<li>
<span class="badge badge-${a.status_code !== null && a.status_code >= 200 && a.status_code < 300 ? 'good' : 'bad'}">${a.status_code ?? 'no answer'}</span>
<span class="muted">${a.latency_ms} ms · ${a.at.slice(0, 19).replace('T', ' ')}</span>
${a.error ? html`<br><span class="muted">${a.error}</span>` : ''}
${a.response_body ? html`<br><code class="body">${a.response_body.slice(0, 200)}</code>` : ''}
</li>`,
  )}</ol>`;
}

export function webhookPage(
  viewer: Viewer,
  endpoint: Endpoint,
  page: Awaited<ReturnType<typeof listDeliveries>>,
  query: { cursor: string | undefined; flash: string | undefined },
): Html {
  const replay = (
    d: Delivery,
  ) => html`<form method="post" action="/dashboard/webhooks/${endpoint.id}/replay" class="inline">
<input type="hidden" name="csrf" value="${viewer.csrf}">
<input type="hidden" name="event_id" value="${d.event_id}">
<button type="submit" class="button button-small"${endpoint.enabled ? '' : html` disabled title="The endpoint is disabled"`}>Replay</button>
</form>`;
  const rows = table(
    ['Event', 'Status', 'Attempts', 'Next attempt', 'Queued', ''],
    page.data.map((d) => [
      html`<code>${d.event_type}</code><br>${idLink(d.event_id, `/dashboard/events/${d.event_id}`)}`,
      badge(d.status),
      attemptsOf(d),
      when(d.next_attempt_at),
      when(d.created_at),
      replay(d),
    ]),
    'No delivery yet: events this endpoint subscribes to will appear here.',
  );
  return layout({
    viewer,
    active: 'webhooks',
    title: 'Webhook endpoint',
    subtitle: html`${enabledBadge(endpoint)} ${idLink(endpoint.id)}`,
    flash: query.flash,
    content: html`${section(
      'Endpoint',
      facts([
        ['URL', html`<span class="url">${displayUrl(endpoint.url)}</span>`],
        ['Description', endpoint.description],
        ['Events', eventsOf(endpoint)],
        ['Format', endpoint.format],
        ['Created', when(endpoint.created_at)],
        ['Updated', when(endpoint.updated_at)],
      ]),
      html`<a href="/dashboard/webhooks">← Endpoints</a>`,
    )}
${section(
  'Deliveries',
  html`${rows}${pager(`/dashboard/webhooks/${endpoint.id}`, {}, { cursor: query.cursor, next_cursor: page.next_cursor })}`,
  html`<span class="muted">newest first</span>`,
)}`,
  });
}
