/**
 * Where webhooks may go (no SSRF): in production only `https` URLs whose host resolves to public addresses; in
 * development and tests `http` and loopback too (a receiver on this machine). Checked when an endpoint is registered
 * and again at every delivery, on the addresses the connection actually uses (services/webhook-sender.ts), so a name
 * that later resolves to a private address (DNS rebinding) is refused too.
 */
import dns from 'node:dns';
import { BlockList, isIP } from 'node:net';

export interface WebhookUrlPolicy {
  /** `http` as well as `https` (development and tests). */
  allowHttp: boolean;
  /** Loopback addresses (127.0.0.0/8, ::1) as well as public ones (development and tests). */
  allowLoopback: boolean;
}

export const webhookUrlPolicy = (env: 'development' | 'test' | 'production'): WebhookUrlPolicy =>
  env === 'production' ? { allowHttp: false, allowLoopback: false } : { allowHttp: true, allowLoopback: true };

export type ResolveHost = (hostname: string) => Promise<{ address: string; family: number }[]>;

/** Every address the system resolver gives for a name (what a connection would try). */
export const resolveWithSystem: ResolveHost = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

// The IANA special-purpose address registries (RFC 6890 and updates): every block that is not globally reachable or
// embeds another address. Anything in these is refused; IPv6 must moreover be global unicast (2000::/3).
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

const NOT_PUBLIC: [string, number, 'ipv4' | 'ipv6', string][] = [
  ['0.0.0.0', 8, 'ipv4', 'a "this network" address'],
  ['10.0.0.0', 8, 'ipv4', 'a private address'],
  ['100.64.0.0', 10, 'ipv4', 'a shared (carrier-grade NAT) address'],
  ['127.0.0.0', 8, 'ipv4', 'a loopback address'],
  ['169.254.0.0', 16, 'ipv4', 'a link-local address'],
  ['172.16.0.0', 12, 'ipv4', 'a private address'],
  ['192.0.0.0', 24, 'ipv4', 'an IETF protocol address'],
  ['192.0.2.0', 24, 'ipv4', 'a documentation address'],
  ['192.88.99.0', 24, 'ipv4', 'a 6to4 relay address'],
  ['192.168.0.0', 16, 'ipv4', 'a private address'],
  ['198.18.0.0', 15, 'ipv4', 'a benchmarking address'],
  ['198.51.100.0', 24, 'ipv4', 'a documentation address'],
  ['203.0.113.0', 24, 'ipv4', 'a documentation address'],
  ['224.0.0.0', 4, 'ipv4', 'a multicast address'],
  ['240.0.0.0', 4, 'ipv4', 'a reserved or broadcast address'],
  ['64:ff9b::', 96, 'ipv6', 'a NAT64 address'],
  ['64:ff9b:1::', 48, 'ipv6', 'a NAT64 address'],
  ['100::', 64, 'ipv6', 'a discard-only address'],
  ['2001::', 23, 'ipv6', 'an IETF protocol address (Teredo, benchmarking, ORCHID)'],
  ['2001:db8::', 32, 'ipv6', 'a documentation address'],
  ['2002::', 16, 'ipv6', 'a 6to4 address'],
  ['3fff::', 20, 'ipv6', 'a documentation address'],
  ['5f00::', 16, 'ipv6', 'a segment-routing address'],
  ['fc00::', 7, 'ipv6', 'a unique-local address'],
  ['fe80::', 10, 'ipv6', 'a link-local address'],
  ['fec0::', 10, 'ipv6', 'a site-local address'],
  ['ff00::', 8, 'ipv6', 'a multicast address'],
];
const BLOCKS = NOT_PUBLIC.map(([network, prefix, type, what]) => {
  const list = new BlockList();
  list.addSubnet(network, prefix, type);
  return { list, type, what };
});
const GLOBAL_UNICAST_V6 = new BlockList();
GLOBAL_UNICAST_V6.addSubnet('2000::', 3, 'ipv6');

/** The IPv4 address an IPv4-mapped IPv6 address (::ffff:a.b.c.d, also written in hex) stands for. */
function mappedIpv4(address: string): string | undefined {
  const m = /^(?:0{0,4}:){0,5}:?ffff:(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/i.exec(address);
  if (!m) return undefined;
  if (m[1]) return m[1];
  const hi = parseInt(m[2], 16);
  const lo = parseInt(m[3], 16);
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
}

/** Why a webhook may not be sent to this IP address under the policy, or undefined when it may. */
export function addressProblem(address: string, policy: WebhookUrlPolicy): string | undefined {
  const unbracketed = address.replace(/^\[|\]$/g, '');
  const family = isIP(unbracketed);
  if (family === 0) return `${address} is not an IP address`;
  const v4 = family === 4 ? unbracketed : mappedIpv4(unbracketed);
  const ip = v4 ?? unbracketed;
  const type = v4 ? 'ipv4' : 'ipv6';
  if (policy.allowLoopback && LOOPBACK.check(ip, type)) return undefined;
  const block = BLOCKS.find((b) => b.type === type && b.list.check(ip, type));
  if (block) return `${address} is ${block.what}`;
  if (type === 'ipv6' && !GLOBAL_UNICAST_V6.check(ip, 'ipv6')) return `${address} is not a global unicast address`;
  return undefined;
}

/** Why this URL may not receive webhooks under the policy (scheme, credentials, port), before any name is resolved. */
export function urlShapeProblem(url: URL, policy: WebhookUrlPolicy): string | undefined {
  if (url.protocol !== 'https:' && !(policy.allowHttp && url.protocol === 'http:')) {
    return policy.allowHttp ? 'must be an http or https URL' : 'must be an https URL';
  }
  if (url.username || url.password) return 'must not carry a user name or password';
  if (url.hash) return 'must not have a fragment';
  return undefined;
}

/**
 * Why this URL may not receive webhooks, or undefined: its shape, then every address its host resolves to (an IP
 * literal as it is). A name that does not resolve is refused too.
 */
export async function webhookUrlProblem(
  raw: string,
  policy: WebhookUrlPolicy,
  resolve: ResolveHost = resolveWithSystem,
): Promise<string | undefined> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute URL';
  }
  const shape = urlShapeProblem(url, policy);
  if (shape) return shape;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return addressProblem(host, policy);
  let addresses: { address: string }[];
  try {
    addresses = await resolve(host);
  } catch {
    return `its host ${host} does not resolve`;
  }
  if (!addresses.length) return `its host ${host} does not resolve`;
  for (const { address } of addresses) {
    const problem = addressProblem(address, policy);
    if (problem) return `its host ${host} resolves to ${problem.replace(`${address} is `, '')} (${address})`;
  }
  return undefined;
}
