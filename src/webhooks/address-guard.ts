// SSRF guard for webhook deliveries. A URL is checked when it is registered (scheme, literal
// addresses) and, more importantly, every address its host resolves to is checked at connect time:
// a name that resolved to a public address yesterday can resolve to 127.0.0.1 or to the cloud
// metadata service today (DNS rebinding). Only ordinary public unicast addresses are allowed;
// development mode also allows loopback, so a quick start can point webhooks at localhost.
import dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

export interface AddressPolicy {
  /** Development: loopback receivers and plain http are allowed. */
  allowPrivate: boolean;
}

/** Why an address is refused, or null when it may be connected to. */
export function refusedAddressReason(address: string, policy: AddressPolicy): string | null {
  if (!ipaddr.isValid(address)) return 'not an IP address';
  let parsed = ipaddr.parse(address);
  // ::ffff:10.0.0.1 is 10.0.0.1.
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress())
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  const range = parsed.range();
  // The deprecated IPv4-compatible form (::127.0.0.1, ::/96): ipaddr.js calls it unicast, and a
  // host that routes it reaches the IPv4 address inside. No public receiver has such an address.
  if (
    range === 'unicast' &&
    parsed.kind() === 'ipv6' &&
    (parsed as ipaddr.IPv6).parts.slice(0, 6).every((p) => p === 0)
  )
    return `${address} is an IPv4-compatible IPv6 address`;
  if (range === 'unicast') return null;
  if (range === 'loopback' && policy.allowPrivate) return null;
  // linkLocal covers 169.254.169.254, the metadata service of most clouds; carrierGradeNat is 100.64/10.
  return `${address} is a ${range} address`;
}

export class WebhookAddressError extends Error {
  override name = 'WebhookAddressError';
}

/** Checks a URL at registration: scheme, and the host when it is a literal address. */
export function checkWebhookUrl(text: string, policy: AddressPolicy): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'https:' && !(policy.allowPrivate && url.protocol === 'http:'))
    return policy.allowPrivate ? 'must be http or https' : 'must be https';
  if (url.username || url.password) return 'must not carry credentials';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (ipaddr.isValid(host)) {
    const reason = refusedAddressReason(host, policy);
    if (reason) return `points at a refused address (${reason})`;
  }
  return null;
}

/**
 * A `lookup` for http.request that resolves the host and refuses the connection before it is made
 * when any resolved address is not allowed.
 */
export function guardedLookup(policy: AddressPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = addresses as dns.LookupAddress[];
      for (const { address } of list) {
        const reason = refusedAddressReason(address, policy);
        if (reason) return callback(new WebhookAddressError(`${hostname}: ${reason}`), '', 0);
      }
      if (options.all) return (callback as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      const first = list[0]!;
      callback(null, first.address, first.family);
    });
  };
}
