// The sign-in form: the client's id and secret, the same credentials as the token endpoint's. A
// failed attempt shows the form again with the message and the id typed (never the secret).
import { type Html, html } from '../html.ts';
import { documentOf } from './layout.ts';

export function signInPage(
  state: { message?: string | undefined; clientId?: string | undefined } = {},
): Html {
  return documentOf(
    'Sign in',
    html`<main class="sign-in" id="main">
<form class="card sign-in-card" method="post" action="/dashboard/sign-in">
  <p class="brand brand-dark"><span class="brand-mark" aria-hidden="true">T</span> Tesoro</p>
  <h1>Operator dashboard</h1>
  <p class="muted">Sign in with the client's credentials (its <code>client_id</code> and <code>client_secret</code>).</p>
  ${state.message ? html`<p class="alert" role="alert">${state.message}</p>` : ''}
  <label for="client_id">Client ID</label>
  <input id="client_id" name="client_id" autocomplete="username" spellcheck="false" required maxlength="200" value="${state.clientId ?? ''}">
  <label for="client_secret">Client secret</label>
  <input id="client_secret" name="client_secret" type="password" autocomplete="current-password" required maxlength="500">
  <button type="submit" class="button">Sign in</button>
</form>
</main>`,
    'plain',
  );
}
