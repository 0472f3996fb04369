// The frame of every signed-in page: the navigation, who is signed in (and the sign-out form with
// the session's CSRF token), a flash message, and the page's own content.
import { type Html, html, type Part } from '../html.ts';

export interface Viewer {
  clientId: string;
  clientName: string;
  csrf: string;
}

export type NavItem = 'overview' | 'connections' | 'webhooks' | 'events' | 'imports';

const nav: readonly (readonly [NavItem, string, string])[] = [
  ['overview', 'Overview', '/dashboard'],
  ['connections', 'Connections', '/dashboard/connections'],
  ['webhooks', 'Webhooks', '/dashboard/webhooks'],
  ['events', 'Events', '/dashboard/events'],
  ['imports', 'Imports', '/dashboard/imports'],
];

/** A whole document: head, stylesheet and body. */
export const documentOf = (title: string, body: Part, bodyClass = ''): Html => html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<link rel="icon" href="data:,">
<title>${title} · Tesoro dashboard</title>
<link rel="stylesheet" href="/dashboard/assets/dashboard.css">
</head>
<body${bodyClass ? html` class="${bodyClass}"` : ''}>
${body}
</body>
</html>
`;

export function layout(page: {
  viewer: Viewer;
  active: NavItem;
  title: string;
  /** Shown under the title (a status, an id). */
  subtitle?: Part;
  flash?: string | undefined;
  content: Part;
}): Html {
  const { viewer } = page;
  return documentOf(
    page.title,
    html`<div class="shell">
<header class="side">
  <a class="brand" href="/dashboard"><span class="brand-mark" aria-hidden="true">T</span> Tesoro</a>
  <nav class="nav" aria-label="Dashboard">
    ${nav.map(
      ([item, label, href]) =>
        html`<a href="${href}"${item === page.active ? html` aria-current="page"` : ''}>${label}</a>`,
    )}
  </nav>
  <div class="who">
    <span class="who-name">${viewer.clientName}</span>
    <code class="who-id">${viewer.clientId}</code>
    <form method="post" action="/dashboard/sign-out">
      <input type="hidden" name="csrf" value="${viewer.csrf}">
      <button type="submit" class="button button-quiet">Sign out</button>
    </form>
  </div>
</header>
<main class="main" id="main">
  ${page.flash ? html`<p class="flash" role="status">${page.flash}</p>` : ''}
  <div class="page-head">
    <h1>${page.title}</h1>
    ${page.subtitle ? html`<div class="page-sub">${page.subtitle}</div>` : ''}
  </div>
  ${page.content}
</main>
</div>`,
  );
}
