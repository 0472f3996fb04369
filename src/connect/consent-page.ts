// The small page an end user sees at the end of a redirect consent when no Connect session waits
// for them (the connection was made through the API): what happened, in English and Spanish.
const texts = {
  accepted: [
    'Access granted. You can close this window.',
    'Acceso autorizado. Ya puedes cerrar esta ventana.',
  ],
  pending: [
    'Your bank is still confirming the access. You can close this window.',
    'Tu banco aún está confirmando el acceso. Ya puedes cerrar esta ventana.',
  ],
  refused: [
    'Your bank did not grant the access. Go back to the application and try again.',
    'Tu banco no ha autorizado el acceso. Vuelve a la aplicación e inténtalo de nuevo.',
  ],
  invalid: [
    'This link is not valid or was already used. Go back to the application and start again.',
    'Este enlace no es válido o ya se usó. Vuelve a la aplicación y empieza de nuevo.',
  ],
} as const;

export function consentPage(state: keyof typeof texts): string {
  const [en, es] = texts[state];
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Tesoro</title><link rel="stylesheet" href="/connect/assets/page.css"></head><body><main class="card"><p role="status">${en}</p><p lang="es">${es}</p></main></body></html>`;
}
