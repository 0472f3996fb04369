// One connection: its status and settings, each account with a chart of its daily balance, the
// latest refreshes (outcome, counts, duration, the challenges each asked) and the status history.
// Credentials are never shown (only whether some are kept), nor a challenge's redirect URL.

import type { listRefreshes } from '../../services/connection-list.ts';
import type { presentConnection } from '../../services/connection-view.ts';
import type { AccountSummary, challengesOfConnection } from '../../services/dashboard-reads.ts';
import { type BalancePoint, balanceChart } from '../charts.ts';
import { type Html, html } from '../html.ts';
import { layout, type Viewer } from './layout.ts';
import { badge, duration, facts, idLink, money, num, orDash, section, table, when } from './parts.ts';

export interface ConnectionData {
  connection: Awaited<ReturnType<typeof presentConnection>>;
  institutionName: string;
  refreshes: Awaited<ReturnType<typeof listRefreshes>>['data'];
  challenges: Awaited<ReturnType<typeof challengesOfConnection>>;
  accounts: ReadonlyArray<{ account: AccountSummary; history: BalancePoint[] }>;
}

/** The last four characters of an IBAN: enough to tell accounts apart on a shared screen. */
const maskedIban = (iban: string | null) => (iban ? `•••• ${iban.replaceAll(' ', '').slice(-4)}` : null);

function accountCard({ account, history }: ConnectionData['accounts'][number]): Html {
  const label = account.name ?? account.id;
  return html`<article class="account">
<header class="account-head">
  <div><h3>${label}</h3><p class="muted">${[account.type, maskedIban(account.iban)].filter(Boolean).join(' · ')} <code class="id">${account.id}</code></p></div>
  <p class="account-balance">${money(account.balance, account.currency)}</p>
</header>
${balanceChart(history, { label, currency: account.currency })}
${
  history.length > 0
    ? html`<details class="history"><summary>Daily balances</summary>${table(
        ['Day', 'Balance'],
        [...history].reverse().map((point) => [point.date, num(money(point.balance, account.currency))]),
        '',
      )}</details>`
    : ''
}
</article>`;
}

export function connectionPage(viewer: Viewer, data: ConnectionData): Html {
  const c = data.connection;
  const challengesOf = (refreshId: string) => data.challenges.filter((ch) => ch.refresh_id === refreshId);
  const about = facts([
    ['Institution', html`${data.institutionName} <code class="muted">${c.institution_id}</code>`],
    ['End user', c.external_id],
    ['Status detail', c.status_detail],
    ['Access', `${c.access_mode}${c.refresh_interval ? `, every ${c.refresh_interval}` : ''}`],
    ['Products', c.products.join(', ')],
    ['History', `${c.history_days} days`],
    ['Credentials kept', c.has_credentials ? 'yes' : 'no'],
    ['Scheduled refreshes', c.scheduled_refresh ? 'on' : 'paused'],
    ['Last refresh', when(c.last_refresh_at)],
    ['Next refresh', when(c.next_refresh_at)],
    ['Consent expires', c.consent_expires_at ? when(c.consent_expires_at) : null],
    ['Created', when(c.created_at)],
  ]);
  const open = c.challenge
    ? html`<p class="alert alert-warn">Waiting for the end user: a <strong>${c.challenge.type}</strong> challenge, open until ${when(c.challenge.expires_at)}.</p>`
    : '';
  const refreshes = table(
    ['Refresh', 'Trigger', 'Outcome', 'Added', 'Modified', 'Removed', 'Challenges', 'Started', 'Duration'],
    data.refreshes.map((r) => [
      html`<code class="id">${r.id}</code>`,
      r.trigger,
      html`${badge(r.status)}${r.error_code ? html`<br><code>${r.error_code}</code>` : ''}${r.error_detail ? html`<br><span class="muted">${r.error_detail}</span>` : ''}`,
      num(r.added),
      num(r.modified),
      num(r.removed),
      orDash(challengesOf(r.id).map((ch) => html`<span class="chip">${ch.type} ${badge(ch.status)}</span>`)),
      when(r.started_at ?? r.created_at),
      num(duration(r.duration_ms)),
    ]),
    'No refresh yet.',
  );
  const products = table(
    ['Product', 'Extracted', 'Records', 'Last error'],
    Object.entries(c.product_status).map(([product, state]) => [
      product,
      state.errored ? badge('failed') : state.created ? badge('ok') : badge('pending'),
      num(state.count),
      orDash(state.error),
    ]),
    'No product extracted yet.',
  );
  const history = table(
    ['From', 'To', 'Detail', 'At'],
    [...c.status_history]
      .reverse()
      .map((h) => [
        h.from ? badge(h.from) : html`<span class="muted">—</span>`,
        badge(h.to),
        h.detail,
        when(h.at),
      ]),
    'No status change yet.',
  );
  return layout({
    viewer,
    active: 'connections',
    title: data.institutionName,
    subtitle: html`${badge(c.status)} ${idLink(c.id)}`,
    content: html`${open}
${section('Connection', about, html`<a href="/dashboard/connections">← Connections</a>`)}
${section(
  'Accounts',
  data.accounts.length > 0
    ? html`<div class="accounts">${data.accounts.map(accountCard)}</div>`
    : html`<p class="empty">No account extracted.</p>`,
)}
${section('Refreshes', refreshes, html`<span class="muted">latest ${data.refreshes.length}</span>`)}
${section('Products', products)}
${section('Status history', history)}`,
  });
}
