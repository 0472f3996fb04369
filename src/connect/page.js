// The hosted Connect page. Plain JavaScript, no framework: it reads its session id from the path
// and its session token from the URL fragment (never sent to a server by the browser), talks only
// to /connect/api/<session>, and never keeps the password: the form's values go straight to Tesoro
// and the inputs are cleared.
(() => {
  const app = document.getElementById('app');
  const sessionId = location.pathname.split('/').pop();
  const tokenKey = `tesoro-connect:${sessionId}`;
  // The token survives a reload (sessionStorage, this tab only) but leaves the address bar.
  const token = location.hash.slice(1) || sessionStorage.getItem(tokenKey) || '';
  if (location.hash) {
    sessionStorage.setItem(tokenKey, token);
    history.replaceState(null, '', location.pathname + location.search);
  }
  const embedded = new URLSearchParams(location.search).get('embed') === '1';
  const host = embedded ? window.opener || (window.parent !== window ? window.parent : null) : null;

  const texts = {
    en: {
      title: 'Connect your accounts',
      intro: (client) => `${client} uses Tesoro to read your accounts. Choose your bank.`,
      search: 'Search',
      none: 'No institution matches.',
      cancel: 'Cancel',
      back: 'Back',
      connect: 'Connect',
      connecting: (name) => `Connecting to ${name}…`,
      working: 'This usually takes a few seconds.',
      secure: (client) => `Your credentials go to Tesoro encrypted; ${client} never sees them.`,
      answer: 'Continue',
      decoupled: 'Waiting for your approval…',
      redirect: 'Open your bank',
      attempts: (n) => `That answer is not correct. ${n} attempt${n === 1 ? '' : 's'} left.`,
      wrong: 'That answer is not correct.',
      success: 'Connected!',
      successText: 'Taking you back…',
      retry: 'Try again',
      other: 'Choose another institution',
      expired: 'This link has expired or was already used. Go back and start again.',
      invalid: 'This link is not valid.',
      failed: 'Something went wrong. Try again.',
      duplicate: (name) => `These ${name} credentials are already connected to this application.`,
      update: (name) => `Sign in to ${name} again to keep your accounts up to date.`,
      said: (name, words) => `${name} said: ${words}`,
      errors: {
        credentials_invalid: 'The username or password is not correct.',
        details_invalid: 'These details were not accepted.',
        password_expired: 'Your password has expired. Change it with your bank, then try again.',
        locked: 'Your online banking access is locked. Unlock it with your bank, then try again.',
        action_needed: 'Your bank needs you to do something in its own app or website first.',
        institution_down: 'The bank is not answering right now. Try again in a few minutes.',
        rate_limited: 'The bank asked us to slow down. Try again in a few minutes.',
        consent_expired: 'Your permission to read these accounts has ended. Connect again to renew it.',
        disabled: 'This connection is disabled.',
      },
    },
    es: {
      title: 'Conecta tus cuentas',
      intro: (client) => `${client} usa Tesoro para leer tus cuentas. Elige tu banco.`,
      search: 'Buscar',
      none: 'Ninguna entidad coincide.',
      cancel: 'Cancelar',
      back: 'Volver',
      connect: 'Conectar',
      connecting: (name) => `Conectando con ${name}…`,
      working: 'Suele tardar unos segundos.',
      secure: (client) => `Tus credenciales viajan cifradas a Tesoro; ${client} nunca las ve.`,
      answer: 'Continuar',
      decoupled: 'Esperando tu aprobación…',
      redirect: 'Abrir tu banco',
      attempts: (n) => `La respuesta no es correcta. Te quedan ${n} intento${n === 1 ? '' : 's'}.`,
      wrong: 'La respuesta no es correcta.',
      success: '¡Conectado!',
      successText: 'Volviendo…',
      retry: 'Reintentar',
      other: 'Elegir otra entidad',
      expired: 'Este enlace ha caducado o ya se usó. Vuelve y empieza de nuevo.',
      invalid: 'Este enlace no es válido.',
      failed: 'Algo ha fallado. Inténtalo de nuevo.',
      duplicate: (name) => `Estas credenciales de ${name} ya están conectadas a esta aplicación.`,
      update: (name) => `Vuelve a entrar en ${name} para mantener tus cuentas al día.`,
      said: (name, words) => `${name} dijo: ${words}`,
      errors: {
        credentials_invalid: 'El usuario o la contraseña no son correctos.',
        details_invalid: 'Estos datos no fueron aceptados.',
        password_expired: 'Tu contraseña ha caducado. Cámbiala en tu banco y vuelve a intentarlo.',
        locked: 'Tu acceso a la banca online está bloqueado. Desbloquéalo en tu banco y vuelve a intentarlo.',
        action_needed: 'Tu banco necesita que hagas algo antes en su app o su web.',
        institution_down: 'El banco no responde ahora mismo. Inténtalo en unos minutos.',
        rate_limited: 'El banco nos pide esperar. Inténtalo en unos minutos.',
        consent_expired: 'Tu permiso para leer estas cuentas ha terminado. Vuelve a conectar para renovarlo.',
        disabled: 'Esta conexión está desactivada.',
      },
    },
  };
  let t = texts.en;
  let session = null;
  let institution = null;
  /** Set when the user answered a challenge: a challenge that comes back means the answer failed. */
  let answered = false;

  /** Builds an element: el('p', {class: 'muted'}, 'text', child…). Text is always text, never HTML. */
  function el(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
      else if (value !== false && value !== null && value !== undefined) node.setAttribute(name, value);
    }
    for (const child of children.flat(Infinity)) if (child !== null && child !== false) node.append(child);
    return node;
  }

  function show(...children) {
    app.replaceChildren(...children.filter((child) => child !== null && child !== false));
    const heading = app.querySelector('h1');
    (heading || app).setAttribute('tabindex', '-1');
    (heading || app).focus();
  }

  function post(message) {
    if (host && session) host.postMessage({ source: 'tesoro-connect', ...message }, session.redirect_origin);
  }
  const event = (name, metadata = {}) => post({ type: 'event', name, metadata });

  async function api(path, body) {
    const response = await fetch(`/connect/api/${sessionId}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok)
      throw Object.assign(new Error(data.detail || 'request failed'), {
        status: response.status,
        problem: data,
      });
    return data;
  }

  function fatal(error) {
    const message = error.status === 410 ? t.expired : error.status === 401 ? t.invalid : t.failed;
    show(el('h1', {}, t.title), el('p', { class: 'error', role: 'alert' }, message));
    if (error.status === 410 || error.status === 401)
      post({ type: 'exit', error: error.status === 410 ? 'expired' : 'invalid' });
  }

  /** The first clause of a description, for the list; the login screen shows all of it. */
  const summary = (text) => text.split(/[:.]\s/)[0];

  function initialsBadge(item) {
    const node = el('span', { class: 'badge', 'aria-hidden': 'true' }, item.initials);
    node.style.background = item.color; // CSSOM, allowed by the page's CSP (no inline style attributes)
    return node;
  }

  /** The institution's logo where its upstream publishes one; its initials otherwise, or if it fails to load. */
  function badge(item) {
    if (!item.logo_url) return initialsBadge(item);
    const logo = el('img', { class: 'badge logo', src: item.logo_url, alt: '', loading: 'lazy' });
    logo.addEventListener('error', () => logo.replaceWith(initialsBadge(item)), { once: true });
    return logo;
  }

  async function cancel() {
    try {
      const { redirect_url } = await api('/cancel', {});
      event('EXIT');
      if (host) post({ type: 'exit', error: 'cancelled' });
      else location.assign(redirect_url);
    } catch (error) {
      fatal(error);
    }
  }

  function selectScreen() {
    const list = el('ul', { class: 'list', id: 'institutions' });
    const render = (query) => {
      const q = query
        .normalize('NFD')
        .replace(/\p{Diacritic}/gu, '')
        .toLowerCase();
      const items = session.institutions.filter((i) =>
        i.name
          .normalize('NFD')
          .replace(/\p{Diacritic}/gu, '')
          .toLowerCase()
          .includes(q),
      );
      list.replaceChildren(
        ...(items.length === 0
          ? [el('li', { class: 'muted' }, t.none)]
          : items.map((item) =>
              el(
                'li',
                {},
                el(
                  'button',
                  { type: 'button', class: 'institution', onclick: () => loginScreen(item) },
                  badge(item),
                  el('span', {}, item.name, el('small', {}, summary(item.description))),
                ),
              ),
            )),
      );
    };
    const search = el('input', {
      id: 'search',
      type: 'search',
      autocomplete: 'off',
      oninput: (e) => render(e.target.value),
    });
    show(
      el('h1', {}, t.title),
      el('p', { class: 'muted' }, t.intro(session.client_name)),
      el('label', { for: 'search' }, t.search),
      search,
      list,
      el(
        'div',
        { class: 'actions' },
        el('button', { type: 'button', class: 'link', onclick: cancel }, t.cancel),
      ),
    );
    render('');
  }

  function fieldInput(field, prefix) {
    const id = `${prefix}-${field.name}`;
    const input = field.options
      ? el(
          'select',
          { id, name: field.name, required: field.required },
          field.options.map((o) => el('option', { value: o.value }, o.label)),
        )
      : el('input', {
          id,
          name: field.name,
          type: field.type === 'password' ? 'password' : 'text',
          required: field.required,
          placeholder: field.placeholder,
          autocomplete: field.type === 'password' ? 'current-password' : 'off',
          inputmode: field.type === 'number' || field.type === 'otp' ? 'numeric' : null,
        });
    return [el('label', { for: id }, field.label), input];
  }

  function valuesOf(form) {
    const values = {};
    for (const input of form.querySelectorAll('input, select')) {
      if (input.value !== '') values[input.name] = input.value;
      if (input.type === 'password') input.value = ''; // nothing of the password stays in the page
    }
    return values;
  }

  function loginScreen(item, message) {
    institution = item;
    event('SELECT_INSTITUTION', { institution_id: item.id });
    const form = el(
      'form',
      {
        novalidate: false,
        onsubmit: async (e) => {
          e.preventDefault();
          const button = form.querySelector('button[type=submit]');
          button.disabled = true;
          const credentials = valuesOf(form);
          try {
            event('SUBMIT_CREDENTIALS', { institution_id: item.id });
            answered = false;
            await api('/credentials', { institution_id: item.id, credentials });
            workingScreen();
          } catch (error) {
            // A bad field, or credentials the application already connected: the end user can retry.
            if (error.status === 400 || error.status === 409) {
              button.disabled = false;
              const duplicate = error.problem.code === 'CONNECTION_DUPLICATE';
              loginScreen(item, duplicate ? t.duplicate(item.name) : error.problem.detail);
            } else fatal(error);
          }
        },
      },
      item.fields.map((field) => fieldInput(field, 'login')),
      el('button', { type: 'submit', class: 'primary' }, t.connect),
    );
    show(
      el('div', { class: 'head' }, badge(item), el('h1', {}, item.name)),
      session.update_institution ? el('p', { class: 'muted' }, t.update(item.name)) : null,
      message ? el('p', { class: 'error', role: 'alert' }, message) : null,
      form,
      el('p', { class: 'note' }, t.secure(session.client_name)),
      el('p', { class: 'note' }, item.description),
      el(
        'div',
        { class: 'actions' },
        session.update_institution
          ? el('span')
          : el('button', { type: 'button', class: 'link', onclick: selectScreen }, t.back),
        el('button', { type: 'button', class: 'link', onclick: cancel }, t.cancel),
      ),
    );
  }

  function workingScreen(text) {
    show(
      el('h1', {}, t.connecting(institution.name)),
      el('div', { class: 'spinner', role: 'progressbar', 'aria-label': t.working }),
      el('p', { class: 'muted center' }, text || t.working),
    );
    poll();
  }

  let polling = null;
  function poll() {
    clearTimeout(polling);
    polling = setTimeout(async () => {
      try {
        const progress = await api('/progress');
        if (progress.state === 'working' || progress.state === 'idle') return poll();
        if (progress.state === 'challenge') return challengeScreen(progress.challenge);
        if (progress.state === 'success') return successScreen();
        if (progress.state === 'error') return errorScreen(progress.status, null, progress.institution_said);
      } catch (error) {
        fatal(error);
      }
    }, 600);
  }

  function challengeScreen(challenge) {
    event('CHALLENGE', { type: challenge.type });
    const wrong = answered && challenge.type !== 'decoupled';
    answered = false;
    if (challenge.type === 'decoupled') {
      show(
        el('h1', {}, t.decoupled),
        el('p', {}, challenge.prompt),
        el('div', { class: 'spinner', role: 'progressbar', 'aria-label': t.decoupled }),
      );
      return poll();
    }
    const form = el(
      'form',
      {
        onsubmit: async (e) => {
          e.preventDefault();
          form.querySelector('button[type=submit]').disabled = true;
          try {
            await api('/answer', { answers: valuesOf(form) });
            answered = true;
            workingScreen();
          } catch (error) {
            if (error.status === 400 || error.status === 409) errorScreen(null, error.problem.detail);
            else fatal(error);
          }
        },
      },
      challenge.fields.map((field) => fieldInput(field, 'challenge')),
      el('button', { type: 'submit', class: 'primary' }, t.answer),
    );
    // A redirect consent has nothing to type: the end user leaves for the bank in this window (the
    // top one when embedded), and the bank sends them back to Tesoro's callback, which sends them
    // on to the application with the code.
    const consent =
      challenge.type === 'redirect' && challenge.redirect_url
        ? el('a', { href: challenge.redirect_url, target: '_top', class: 'button primary' }, t.redirect)
        : null;
    show(
      el('div', { class: 'head' }, badge(institution), el('h1', {}, institution.name)),
      wrong
        ? el(
            'p',
            { class: 'error', role: 'alert' },
            challenge.attempts_left === null ? t.wrong : t.attempts(challenge.attempts_left),
          )
        : null,
      el('p', {}, challenge.prompt),
      consent ?? form,
      el(
        'div',
        { class: 'actions' },
        el('span'),
        el('button', { type: 'button', class: 'link', onclick: cancel }, t.cancel),
      ),
    );
  }

  async function successScreen() {
    show(el('h1', {}, t.success), el('p', { class: 'muted' }, t.successText));
    try {
      const { code, redirect_url } = await api('/finish', {});
      event('SUCCESS', { institution_id: institution.id });
      if (host) post({ type: 'success', code, metadata: { institution_id: institution.id } });
      else location.assign(redirect_url);
    } catch (error) {
      fatal(error);
    }
  }

  function errorScreen(status, detail, said) {
    event('ERROR', { status });
    // Without a password field (a token, a bank's own page) a refusal is of those details, not of a password.
    const key =
      status === 'credentials_invalid' && !institution.fields.some((f) => f.type === 'password')
        ? 'details_invalid'
        : status;
    const message = (key && t.errors[key]) || detail || t.failed;
    // The institution's own words, unless they are the page's.
    const own = said && said.trim().toLowerCase() !== message.toLowerCase() ? said : null;
    show(
      el('div', { class: 'head' }, badge(institution), el('h1', {}, institution.name)),
      el('p', { class: 'error', role: 'alert' }, message),
      own ? el('p', { class: 'note' }, t.said(institution.name, own)) : null,
      el('button', { type: 'button', class: 'primary', onclick: () => loginScreen(institution) }, t.retry),
      el(
        'div',
        { class: 'actions' },
        session.update_institution
          ? el('span')
          : el('button', { type: 'button', class: 'link', onclick: selectScreen }, t.other),
        el('button', { type: 'button', class: 'link', onclick: cancel }, t.cancel),
      ),
    );
  }

  async function start() {
    try {
      session = await api('');
      t = texts[session.language] || texts.en;
      document.documentElement.lang = session.language;
      document.title = `${t.title} · Tesoro`;
      event('OPEN');
      if (session.update_institution) loginScreen(session.update_institution);
      else selectScreen();
    } catch (error) {
      fatal(error);
    }
  }
  start();
})();
