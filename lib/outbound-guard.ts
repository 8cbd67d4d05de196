/**
 * The one door for every connection the platform opens to a URL someone supplied (no SSRF): webhook endpoints, an
 * LTI tool's JWKS, a partner's completion API. In production only `https` URLs whose host resolves to public
 * addresses; in development and tests `http` and loopback too (a stand-in on this machine), never a private network.
 * A URL is checked when it is registered (`outboundUrlProblem`) and again at every connection, on the very addresses
 * the connection uses (the request's `lookup`), so a name that later resolves elsewhere (DNS rebinding) or a row
 * stored before the check is refused too. Redirects are never followed; each exchange has a deadline and a size cap.
 * Clients of services the operator configures (Stripe, the tutor's model, SMTP, the OpenID provider) are not here.
 */
import dns, { type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { Readable } from 'node:stream';
import { boundedResponse, NULL_BODY_STATUSES } from './bounded-fetch';

export interface OutboundPolicy {
  /** `http` as well as `https` (development and tests). */
  allowHttp: boolean;
  /** Loopback addresses (127.0.0.0/8, ::1) as well as public ones (development and tests). */
  allowLoopback: boolean;
}

export const outboundPolicy = (env: 'development' | 'test' | 'production'): OutboundPolicy =>
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

/** Why the platform may not connect to this IP address under the policy, or undefined when it may. */
export function addressProblem(address: string, policy: OutboundPolicy): string | undefined {
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

/** Why the platform may not connect to this URL under the policy (scheme, credentials), before any name is resolved. */
export function urlShapeProblem(url: URL, policy: OutboundPolicy): string | undefined {
  if (url.protocol !== 'https:' && !(policy.allowHttp && url.protocol === 'http:')) {
    return policy.allowHttp ? 'must be an http or https URL' : 'must be an https URL';
  }
  if (url.username || url.password) return 'must not carry a user name or password';
  if (url.hash) return 'must not have a fragment';
  return undefined;
}

/**
 * The check at registration: why the platform may not connect to this URL, or undefined: its shape, then every
 * address its host resolves to (an IP literal as it is). A name that does not resolve is refused too.
 */
export async function outboundUrlProblem(
  raw: string,
  policy: OutboundPolicy,
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

/** A connection the policy refuses (it was never opened). */
export class OutboundRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutboundRefusedError';
  }
}

/** No whole answer within the exchange's deadline. */
export class OutboundTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutboundTimeoutError';
  }
}

/** The request's `lookup`: resolves the name, refuses it when any address is not allowed, answers what Node asked for. */
function guardedLookup(policy: OutboundPolicy, resolve: ResolveHost): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (addresses) => {
        const wanted = addresses.filter((a) => !options.family || a.family === options.family);
        const refused = addresses.map((a) => addressProblem(a.address, policy)).find((p) => p !== undefined);
        if (refused) return callback(new OutboundRefusedError(`${hostname} resolves to ${refused}`), '', 0);
        if (!wanted.length) return callback(Object.assign(new Error(`${hostname} does not resolve`), { code: 'ENOTFOUND' }), '', 0);
        if (options.all) return (callback as (err: null, addresses: LookupAddress[]) => void)(null, wanted);
        callback(null, wanted[0].address, wanted[0].family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
}

export interface OutboundRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Aborts the exchange (an activity's cancellation). */
  signal?: AbortSignal;
  /** The whole exchange, answer read included; the guard's default unless given. */
  timeoutMs?: number;
  /** The most of the answer's body that is read; the guard's default unless given. */
  maxBytes?: number;
}

export interface OutboundGuard {
  readonly policy: OutboundPolicy;
  /** The check at registration (see outboundUrlProblem). */
  urlProblem(url: string): Promise<string | undefined>;
  /**
   * One exchange with `url`, connected only to addresses the policy allows. A redirect is an answer like any other
   * (never followed). Rejects with OutboundRefusedError, OutboundTimeoutError, ResponseTooLargeError (the declared
   * length; a body streaming past the cap errors while it is read) or the connection's own error.
   */
  fetch(url: string, request?: OutboundRequest): Promise<Response>;
}

export function createOutboundGuard({
  policy,
  resolve = resolveWithSystem,
  timeoutMs = 10_000,
  maxBytes = 1024 * 1024,
}: {
  policy: OutboundPolicy;
  /** The name resolver (tests give one that answers what they need). */
  resolve?: ResolveHost;
  timeoutMs?: number;
  maxBytes?: number;
}): OutboundGuard {
  const lookup = guardedLookup(policy, resolve);

  function exchange(url: URL, r: OutboundRequest): Promise<Response> {
    const deadline = r.timeoutMs ?? timeoutMs;
    return new Promise<Response>((resolveAnswer, reject) => {
      const headers: Record<string, string> = { ...r.headers };
      if (r.body !== undefined) headers['content-length'] = String(Buffer.byteLength(r.body));
      const send = url.protocol === 'https:' ? https.request : http.request;
      // A connection of its own each time (`agent: false`): a pooled socket would skip the address check.
      const req = send(url, { method: r.method ?? 'GET', headers, lookup, agent: false });
      let answer: http.IncomingMessage | undefined;
      const stop = (err: Error) => (answer ? answer.destroy(err) : req.destroy(err));
      const timer = setTimeout(() => stop(new OutboundTimeoutError(`no answer within ${deadline} ms from ${url.host}`)), deadline);
      const onAbort = () => stop(r.signal?.reason instanceof Error ? r.signal.reason : new Error('aborted'));
      const finished = () => {
        clearTimeout(timer);
        r.signal?.removeEventListener('abort', onAbort);
      };
      r.signal?.addEventListener('abort', onAbort, { once: true });
      if (r.signal?.aborted) onAbort();
      req.on('error', (err) => {
        if (answer) return; // the answer's body stream carries it
        finished();
        reject(err);
      });
      req.on('response', (res) => {
        answer = res;
        res.on('close', finished);
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 599) {
          res.destroy();
          return reject(new Error(`${url.host} answered HTTP status ${status}`));
        }
        let response: Response;
        try {
          const headerList = new Headers();
          for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) headerList.append(res.rawHeaders[i], res.rawHeaders[i + 1]);
          const noBody = NULL_BODY_STATUSES.has(status) || req.method === 'HEAD';
          if (noBody) res.resume();
          response = new Response(noBody ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), {
            status,
            statusText: res.statusMessage,
            headers: headerList,
          });
        } catch (err) {
          res.destroy();
          return reject(err instanceof Error ? err : new Error(String(err))); // a header a Response cannot hold
        }
        Object.defineProperty(response, 'url', { value: url.href });
        boundedResponse(response, url.href, r.maxBytes ?? maxBytes).then(resolveAnswer, reject);
      });
      req.end(r.body);
    });
  }

  return {
    policy,
    urlProblem: (raw) => outboundUrlProblem(raw, policy, resolve),
    fetch(raw, r = {}) {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        return Promise.reject(new OutboundRefusedError(`${raw} is not a URL`));
      }
      const host = url.hostname.replace(/^\[|\]$/g, '');
      // An IP literal is never looked up, so it is checked here.
      const refused = urlShapeProblem(url, policy) ?? (isIP(host) ? addressProblem(host, policy) : undefined);
      if (refused) return Promise.reject(new OutboundRefusedError(`${url.origin} ${refused}`));
      return exchange(url, r);
    },
  };
}
