// OAuth2 scopes. A client holds a set; a token carries a subset; each route names what it needs.
export const allScopes = [
  'connections:read',
  'connections:write',
  'data:read',
  'webhooks:manage',
  'imports:write',
] as const;

export type Scope = (typeof allScopes)[number];

export const scopeDescriptions: Record<Scope, string> = {
  'connections:read': 'read connections, their status, refreshes and challenges',
  'connections:write': 'create, update, refresh, disable and delete connections; answer challenges',
  'data:read': 'read extracted data: accounts, transactions, cards, investments, liabilities, identity',
  'webhooks:manage': 'manage webhook endpoints; read and resend events',
  'imports:write': 'import statement files; add and remove manual transactions',
};

export function isScope(value: string): value is Scope {
  return (allScopes as readonly string[]).includes(value);
}

/** Splits a space- or comma-separated scope string; returns the unknown names separately. */
export function parseScopes(text: string): { scopes: Scope[]; unknown: string[] } {
  const names = [...new Set(text.split(/[\s,]+/).filter(Boolean))];
  return { scopes: names.filter(isScope), unknown: names.filter((name) => !isScope(name)) };
}
