// What the dashboard answers when a page cannot be shown: not found (also another client's ids),
// a refused form (CSRF), a bad query, or an error of ours (its details go to the log only).
import { type Html, html } from '../html.ts';
import { documentOf } from './layout.ts';

const titles: Record<number, string> = {
  400: 'That request could not be used',
  403: 'That form was refused',
  404: 'Not found',
  429: 'Too many requests',
  500: 'Something went wrong',
};

export function errorPage(status: number, message: string): Html {
  const title = titles[status] ?? (status >= 500 ? titles[500]! : titles[400]!);
  return documentOf(
    title,
    html`<main class="sign-in" id="main">
<div class="card sign-in-card">
  <p class="muted">Error ${status}</p>
  <h1>${title}</h1>
  <p>${message}</p>
  <p><a class="button" href="/dashboard">Back to the dashboard</a></p>
</div>
</main>`,
    'plain',
  );
}
