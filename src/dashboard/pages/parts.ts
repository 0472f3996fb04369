// Pieces every dashboard page uses: tables that become stacked cards on a phone, status badges,
// times, durations, money, and the "next page" link of a keyset list.
import { type Html, html, type Part } from '../html.ts';

/** A cell: its content, and optionally a class (`num` right-aligns figures). */
export type Cell = Part | { content: Part; className: string };

/**
 * A table whose cells carry their column's name (`data-label`): on a narrow screen the stylesheet
 * shows each row as a card of label–value lines instead of scrolling sideways.
 */
export function table(columns: readonly string[], rows: readonly (readonly Cell[])[], empty: string): Html {
  if (rows.length === 0) return html`<p class="empty">${empty}</p>`;
  const cell = (value: Cell, index: number) => {
    const { content, className } =
      value !== null && typeof value === 'object' && 'className' in value
        ? value
        : { content: value as Part, className: '' };
    // One box per cell, so on a phone the label and the content are the two columns of its line.
    return html`<td data-label="${columns[index]}"${className ? html` class="${className}"` : ''}><div class="cell">${content}</div></td>`;
  };
  return html`<div class="table-wrap"><table class="table">
<thead><tr>${columns.map((name) => html`<th scope="col">${name}</th>`)}</tr></thead>
<tbody>${rows.map((row) => html`<tr>${row.map(cell)}</tr>`)}</tbody>
</table></div>`;
}

export const num = (content: Part): Cell => ({ content, className: 'num' });

const tones: Record<string, string> = {
  ok: 'good',
  succeeded: 'good',
  completed: 'good',
  enabled: 'good',
  pending: 'info',
  queued: 'info',
  running: 'info',
  processing: 'info',
  open: 'warn',
  answered: 'info',
  waiting_user: 'warn',
  challenge_required: 'warn',
  rate_limited: 'warn',
  institution_down: 'warn',
  disabled: 'muted',
  expired: 'muted',
};

/** A status as a coloured label; anything not listed (errors, failures) is shown as bad. */
export const badge = (status: string): Html =>
  html`<span class="badge badge-${tones[status] ?? 'bad'}">${status.replaceAll('_', ' ')}</span>`;

/** An instant as `2026-05-04 09:30 UTC`, with the exact time in its datetime attribute. */
export function when(iso: string | null | undefined): Html {
  if (!iso) return html`<span class="muted">—</span>`;
  return html`<time datetime="${iso}" title="${iso}">${iso.slice(0, 10)} ${iso.slice(11, 16)} <span class="muted">UTC</span></time>`;
}

export function duration(ms: number | null | undefined): Html {
  if (ms === null || ms === undefined) return html`<span class="muted">—</span>`;
  if (ms < 1000) return html`${ms} ms`;
  if (ms < 60_000) return html`${(ms / 1000).toFixed(1)} s`;
  return html`${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** An amount in its currency (`€1,234.50`), or the bare number when the currency is not ISO 4217. */
export function money(amount: number | null, currency: string | null): string {
  if (amount === null) return '—';
  try {
    if (currency) return new Intl.NumberFormat('en-GB', { style: 'currency', currency }).format(amount);
  } catch {
    // a currency Intl does not know: shown as a number and its code below
  }
  return `${amount.toLocaleString('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}${currency ? ` ${currency}` : ''}`;
}

/** A value that may be missing. */
export const orDash = (value: Part): Part =>
  value === null || value === undefined || value === '' ? html`<span class="muted">—</span>` : value;

/** An id, in a monospace face, linked when there is a page for it. */
export const idLink = (id: string, href?: string): Html =>
  href ? html`<a class="id" href="${href}">${id}</a>` : html`<code class="id">${id}</code>`;

/** `path?query` keeping the given parameters that have a value. */
export function hrefOf(path: string, query: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value) params.set(name, value);
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** The links under a keyset list: back to its first page, and on to the next when there is one. */
export function pager(
  path: string,
  query: Record<string, string | undefined>,
  page: { cursor: string | undefined; next_cursor: string | null },
): Html {
  if (!page.cursor && !page.next_cursor) return html``;
  return html`<nav class="pager" aria-label="Pages">
${page.cursor ? html`<a href="${hrefOf(path, { ...query, cursor: undefined })}">← First page</a>` : ''}
${page.next_cursor ? html`<a href="${hrefOf(path, { ...query, cursor: page.next_cursor })}">Next page →</a>` : ''}
</nav>`;
}

/** A titled section of a page (a card). */
export const section = (title: string, body: Part, aside: Part = ''): Html =>
  html`<section class="card"><header class="card-head"><h2>${title}</h2>${aside}</header>${body}</section>`;

/** A description list of facts about one thing. */
export const facts = (entries: readonly (readonly [string, Part])[]): Html =>
  html`<dl class="facts">${entries.map(([term, value]) => html`<div><dt>${term}</dt><dd>${orDash(value)}</dd></div>`)}</dl>`;
