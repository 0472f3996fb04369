// Where SimpleFIN requests may go. The claim URL comes from the end user (it is the Setup Token,
// base64-decoded) and the Access URL from the server that answered the claim, so both are
// untrusted: a crafted token must not make Tesoro POST to its own network or a cloud metadata
// service (SSRF). A URL is allowed when it is https to a host the operator listed
// (TESORO_SIMPLEFIN_HOSTS, default the SimpleFIN Bridge), or, with TESORO_SIMPLEFIN_ALLOW_LOOPBACK
// (tests and demos), http or https to 127.0.0.1, ::1 or localhost. The addresses a listed name
// resolves to are checked again when the request connects (api.ts, with the webhooks' guard), so a
// listed name that starts resolving to a private address is refused too.
import { isIP } from 'node:net';
import { refusedAddressReason } from '../../webhooks/address-guard.ts';

export const DEFAULT_SIMPLEFIN_HOST = 'bridge.simplefin.org';

export interface UrlPolicy {
  /** Lower-case `host` (default port only) or `host:port` entries. */
  readonly hosts: readonly string[];
  readonly allowLoopback: boolean;
}

/** The comma list of TESORO_SIMPLEFIN_HOSTS as the policy's entries (lower case, no empty ones). */
export function parseHosts(text: string | undefined): string[] {
  const entries = (text ?? DEFAULT_SIMPLEFIN_HOST)
    .split(',')
    // `host:443` is the host on its default port, which is how a URL without a port compares.
    .map((entry) =>
      entry
        .trim()
        .toLowerCase()
        .replace(/:443$/, '')
        .replace(/\.(?=(:\d+)?$)/, ''),
    )
    .filter(Boolean);
  return entries.length > 0 ? entries : [DEFAULT_SIMPLEFIN_HOST];
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

/** The host as compared: lower case, without IPv6 brackets or a trailing dot. */
export const hostOf = (url: URL) =>
  url.hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');

/** Why a URL may not be requested (naming its host), or null when it may. */
export function refusedUrlReason(url: URL, policy: UrlPolicy): string | null {
  const host = hostOf(url);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `${url.protocol} URLs are not allowed`;
  if (policy.allowLoopback && LOOPBACK_HOSTS.has(host)) return null;
  const listed = `allowed: ${policy.hosts.join(', ')}${policy.allowLoopback ? ', loopback' : ''}`;
  if (url.protocol !== 'https:') return `${host} is not allowed over plain http (https only; ${listed})`;
  // A listed name without a port allows the default port only: no other service of that host.
  const entry = url.port ? `${host}:${url.port}` : host;
  if (!policy.hosts.includes(entry)) return `${entry} is not an allowed SimpleFIN host (${listed})`;
  // A listed literal address is connected to as it is (no name to resolve): check it here.
  const addressProblem = isIP(host)
    ? refusedAddressReason(host, { allowPrivate: policy.allowLoopback })
    : null;
  return addressProblem ? `${host} is refused (${addressProblem})` : null;
}
