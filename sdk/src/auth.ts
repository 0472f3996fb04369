// The access token of a client: obtained with the client-credentials grant (POST /v1/oauth/token)
// when first needed, kept until shortly before it expires, and obtained again after that or when the
// server refuses it. Concurrent requests share one token request.

/** What POST /v1/oauth/token answers (the fields the SDK reads). */
export interface TokenGrant {
  access_token: string;
  expires_in: number;
}

/** Where a request's bearer token comes from. */
export interface TokenSource {
  /** A token to send now. */
  get(): Promise<string>;
  /**
   * The server refused `token` (expired, or signed with a key it no longer has): forget it. Returns
   * whether a new one can be had; a fixed token cannot be renewed.
   */
  invalidate(token: string): boolean;
}

/** A new token this long before the current one expires, so none expires on its way to the server. */
const EXPIRY_MARGIN_MS = 60_000;

export class ClientCredentialsTokens implements TokenSource {
  private readonly requestToken: () => Promise<TokenGrant>;
  private readonly now: () => number;
  private current: { value: string; renewAt: number } | undefined;
  private pending: Promise<string> | undefined;

  constructor(requestToken: () => Promise<TokenGrant>, now: () => number = Date.now) {
    this.requestToken = requestToken;
    this.now = now;
  }

  get(): Promise<string> {
    if (this.current && this.now() < this.current.renewAt) return Promise.resolve(this.current.value);
    this.pending ??= this.obtain().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  invalidate(token: string): boolean {
    if (this.current?.value === token) this.current = undefined;
    return true;
  }

  private async obtain(): Promise<string> {
    const grant = await this.requestToken();
    const lifetimeMs = grant.expires_in * 1000;
    // A token shorter-lived than the margin is still used once rather than renewed in a loop.
    this.current = {
      value: grant.access_token,
      renewAt: this.now() + Math.max(lifetimeMs - EXPIRY_MARGIN_MS, lifetimeMs / 2),
    };
    return grant.access_token;
  }
}

/** A token obtained elsewhere, sent as it is. */
export class FixedToken implements TokenSource {
  private readonly token: string;

  constructor(token: string) {
    this.token = token;
  }

  get(): Promise<string> {
    return Promise.resolve(this.token);
  }

  invalidate(): boolean {
    return false;
  }
}
