import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import type { WebhookSettings } from '../../providers/settings.ts';

/** An address a host name resolved to. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Resolves a host name to every address it has (A and AAAA), in the resolver's order. */
export type Resolve = (hostname: string) => Promise<ResolvedAddress[]>;

/** Where an outgoing request may go, or why not. */
export type Destination =
  | { readonly ok: true; readonly url: URL; readonly addresses: readonly ResolvedAddress[] }
  | { readonly ok: false; readonly problem: string };

/** Ranges an outgoing request is never sent to unless allowed, each with the name a refusal gives. */
const RANGES: ReadonlyArray<readonly [string, number, 'ipv4' | 'ipv6', string]> = [
  ['0.0.0.0', 8, 'ipv4', 'an unspecified ("this network") address'],
  ['127.0.0.0', 8, 'ipv4', 'a loopback address'],
  ['10.0.0.0', 8, 'ipv4', 'a private address'],
  ['172.16.0.0', 12, 'ipv4', 'a private address'],
  ['192.168.0.0', 16, 'ipv4', 'a private address'],
  ['169.254.0.0', 16, 'ipv4', 'a link-local address (cloud metadata lives here)'],
  ['100.64.0.0', 10, 'ipv4', 'a carrier-grade NAT address'],
  ['224.0.0.0', 4, 'ipv4', 'a multicast address'],
  ['240.0.0.0', 4, 'ipv4', 'a reserved address'],
  ['::', 128, 'ipv6', 'an unspecified address'],
  ['::1', 128, 'ipv6', 'a loopback address'],
  ['fc00::', 7, 'ipv6', 'a unique-local address'],
  ['fe80::', 10, 'ipv6', 'a link-local address'],
  ['ff00::', 8, 'ipv6', 'a multicast address'],
];

const blocks = RANGES.map(([network, prefix, type, name]) => {
  const list = new BlockList();
  list.addSubnet(network, prefix, type);
  return { list, name };
});

/** The eight 16-bit groups of a valid IPv6 address (a trailing dotted quad counts as two). */
function ipv6Groups(address: string): number[] {
  let text = address;
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/** The IPv4 address inside an IPv4-mapped (`::ffff:a.b.c.d`) or NAT64 (`64:ff9b::a.b.c.d`) IPv6 address, if it is one. */
function embeddedIpv4(address: string): string | null {
  const g = ipv6Groups(address);
  const mapped = g.slice(0, 6).every((x, i) => x === (i === 5 ? 0xffff : 0));
  const nat64 = g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0);
  if (!mapped && !nat64) return null;
  const [hi = 0, lo = 0] = g.slice(6);
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
}

/**
 * Why an IP address is off limits for outgoing requests (loopback, private, link-local
 * including cloud metadata, carrier-grade NAT, unique-local, unspecified, multicast), or null
 * when it is a public address. IPv4-mapped and NAT64 IPv6 forms are judged by their IPv4
 * address. A string that is not an IP address is off limits too. Never throws.
 */
export function forbiddenRange(address: string): string | null {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const v = isIP(bare);
  if (v === 0) return 'not an IP address';
  const v4 = v === 6 ? embeddedIpv4(bare) : null;
  if (v4 !== null) return forbiddenRange(v4);
  const type = v === 4 ? 'ipv4' : 'ipv6';
  return blocks.find((b) => b.list.check(bare, type))?.name ?? null;
}

/** Every address of a host name, through the operating system's resolver (as connections resolve). */
export const resolveAll: Resolve = async (hostname) => {
  const found = await lookup(hostname, { all: true, verbatim: true });
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

/**
 * Checks where an outgoing request (a webhook, a Teams Workflows URL) would go: only `http:`
 * and `https:` URLs; the host is resolved and refused when ANY of its addresses is loopback,
 * private, link-local, CGNAT, unique-local or unspecified (see {@link forbiddenRange}), unless
 * `settings.allowPrivateAddresses` is on or the host is listed in `settings.allowedHosts`.
 * Answers the addresses to connect to (so the caller can pin them and a second resolution
 * cannot swap in another), or the problem, naming the refused address. The problem never
 * contains the URL's path or query (they may carry credentials). A resolver failure is thrown
 * as is (it may be temporary).
 */
export async function checkDestination(raw: string, settings: WebhookSettings, resolve: Resolve = resolveAll): Promise<Destination> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, problem: 'the URL is not a valid absolute URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, problem: `only http and https URLs are allowed, not ${url.protocol.replace(/:$/, '')}` };
  }
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === '') return { ok: false, problem: 'the URL has no host' };
  const literal = isIP(host);
  const addresses: ResolvedAddress[] = literal ? [{ address: host, family: literal === 6 ? 6 : 4 }] : await resolve(host);
  if (addresses.length === 0) return { ok: false, problem: `${host} has no address` };
  const allowed = settings.allowPrivateAddresses || settings.allowedHosts.some((h) => h.replace(/^\[|\]$/g, '').toLowerCase() === host);
  if (!allowed) {
    for (const a of addresses) {
      const range = forbiddenRange(a.address);
      if (range) {
        const via = literal ? '' : ` (${host} resolves to it)`;
        return { ok: false, problem: `refused to send to ${a.address}${via}: ${range}; allow it with the webhook allowedHosts setting` };
      }
    }
  }
  return { ok: true, url, addresses };
}
