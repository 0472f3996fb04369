// An account's balance over time as an inline SVG line chart, drawn on the server (the pages run
// no script). The line has one point per day of history, placed by date (a gap of days is a
// longer segment); the SVG stretches to its card's width, and its labels (highest and lowest
// balance, first and last day) are HTML around it so they stay legible at any width.
import { type Html, html } from './html.ts';
import { money } from './pages/parts.ts';

export interface BalancePoint {
  /** YYYY-MM-DD */
  date: string;
  balance: number;
}

const WIDTH = 600;
const HEIGHT = 160;
/** Room above the highest and below the lowest point, in view-box units. */
const PAD = 12;

const dayNumber = (date: string) =>
  Date.UTC(+date.slice(0, 4), +date.slice(5, 7) - 1, +date.slice(8, 10)) / 86_400_000;
const round = (n: number) => Math.round(n * 10) / 10;

/** The chart's points in view-box units: x by day, y by balance (higher is up). */
export function chartPoints(points: readonly BalancePoint[]): Array<[number, number]> {
  if (points.length === 0) return [];
  const days = points.map((p) => dayNumber(p.date));
  const first = Math.min(...days);
  const span = Math.max(...days) - first;
  const values = points.map((p) => p.balance);
  const low = Math.min(...values);
  const high = Math.max(...values);
  const range = high - low;
  return points.map((point, i) => [
    round(span === 0 ? WIDTH / 2 : ((days[i]! - first) / span) * WIDTH),
    round(range === 0 ? HEIGHT / 2 : PAD + ((high - point.balance) / range) * (HEIGHT - 2 * PAD)),
  ]);
}

/** The chart of one account's daily balances (oldest first), or a note when there are none. */
export function balanceChart(
  points: readonly BalancePoint[],
  options: { label: string; currency: string | null },
): Html {
  if (points.length === 0) return html`<p class="empty">No balance history yet.</p>`;
  const xy = chartPoints(points);
  const line = xy.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${x} ${y}`).join(' ');
  const area = `M${xy[0]![0]} ${HEIGHT} ${xy.map(([x, y]) => `L${x} ${y}`).join(' ')} L${xy.at(-1)![0]} ${HEIGHT} Z`;
  const values = points.map((p) => p.balance);
  const high = money(Math.max(...values), options.currency);
  const low = money(Math.min(...values), options.currency);
  const first = points[0]!;
  const last = points.at(-1)!;
  const days = points.length === 1 ? '1 day' : `${points.length} days`;
  return html`<figure class="chart">
<div class="chart-plot">
  <div class="chart-y" aria-hidden="true"><span>${high}</span><span>${low}</span></div>
  <svg class="chart-svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" preserveAspectRatio="none" role="img" aria-label="Balance of ${options.label} over ${days}, from ${money(first.balance, options.currency)} on ${first.date} to ${money(last.balance, options.currency)} on ${last.date}" data-points="${points.length}">
    <line class="chart-grid" x1="0" y1="${PAD}" x2="${WIDTH}" y2="${PAD}" vector-effect="non-scaling-stroke"/>
    <line class="chart-grid" x1="0" y1="${HEIGHT / 2}" x2="${WIDTH}" y2="${HEIGHT / 2}" vector-effect="non-scaling-stroke"/>
    <line class="chart-grid" x1="0" y1="${HEIGHT - PAD}" x2="${WIDTH}" y2="${HEIGHT - PAD}" vector-effect="non-scaling-stroke"/>
    ${points.length > 1 ? html`<path class="chart-area" d="${area}"/>` : ''}
    ${points.length === 1 ? html`<line class="chart-level" x1="0" y1="${xy[0]![1]}" x2="${WIDTH}" y2="${xy[0]![1]}" vector-effect="non-scaling-stroke"/>` : ''}
    <path class="chart-line" d="${line}" fill="none" vector-effect="non-scaling-stroke"/>
  </svg>
</div>
<div class="chart-x" aria-hidden="true"><span>${first.date}</span><span>${last.date}</span></div>
<figcaption class="muted">${days} of history · latest ${money(last.balance, options.currency)} on ${last.date}</figcaption>
</figure>`;
}
