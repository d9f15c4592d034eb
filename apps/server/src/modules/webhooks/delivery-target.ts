import { createHmac } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** Only public unicast addresses are reachable unless the operator allows private ones. */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    // ::ffff:a.b.c.d (mapped) and the deprecated ::a.b.c.d (compatible, which URL writes as
    // [::7f00:1]) both reach the IPv4 address inside: judged as that address.
    const compatible = v6.parts.slice(0, 6).every((p) => p === 0) && (v6.parts[6] !== 0 || (v6.parts[7] ?? 0) > 1);
    if (v6.isIPv4MappedAddress() || compatible) {
      const [hi = 0, lo = 0] = v6.parts.slice(6);
      parsed = ipaddr.fromByteArray([hi >> 8, hi & 255, lo >> 8, lo & 255]);
    }
  }
  return parsed.range() === 'unicast';
}

export class TargetRefused extends Error {}

/** Why a URL cannot be a webhook target, or null. Host names are checked again at each delivery. */
export function urlProblem(raw: string, allowPrivate: boolean): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a valid URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http(s) URL';
  if (url.username || url.password) return 'must not contain credentials';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate && (host === 'localhost' || host.endsWith('.localhost') || (isIP(host) && !isPublicAddress(host)))) {
    return 'must not point to a private, loopback or link-local address';
  }
  return null;
}

export interface Signed {
  body: string;
  headers: Record<string, string>;
}

/**
 * `X-Webhook-Signature: sha256=<hex HMAC of the raw body>` (PollyBot's format), plus a timestamp and
 * a delivery id, and `X-Webhook-Signature-Timestamped` covering `timestamp.body` so a receiver can
 * reject a captured request replayed later.
 */
export function signPayload(secret: string, body: string, deliveryId: string, eventType: string, nowSeconds: number): Signed {
  const hmac = (text: string) => createHmac('sha256', secret).update(text).digest('hex');
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'leadbox-webhooks/1',
      'x-webhook-signature': `sha256=${hmac(body)}`,
      'x-webhook-timestamp': String(nowSeconds),
      'x-webhook-signature-timestamped': `t=${nowSeconds},sha256=${hmac(`${nowSeconds}.${body}`)}`,
      'x-webhook-id': deliveryId,
      'x-webhook-event': eventType,
    },
  };
}

export interface SendResult {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  /** cut off by the caller's signal: the outcome says nothing about the receiver */
  aborted: boolean;
}

/**
 * POSTs once; redirects are not followed; the connection only goes to addresses that pass the
 * guard. `timeoutMs` is a deadline for the whole attempt (DNS, connect, headers and the complete
 * body), not an idle timeout: a receiver that trickles its answer is cut off at the deadline.
 */
export async function sendWebhook(
  url: string,
  signed: Signed,
  options: { timeoutMs: number; allowPrivate: boolean; signal?: AbortSignal },
): Promise<SendResult> {
  const started = performance.now();
  const done = (ok: boolean, statusCode: number | null, error: string | null, aborted = false): SendResult => ({
    ok,
    statusCode,
    error,
    durationMs: Math.round(performance.now() - started),
    aborted,
  });
  const problem = urlProblem(url, options.allowPrivate);
  if (problem) return done(false, null, `target ${problem}`);
  if (options.signal?.aborted) return done(false, null, 'not sent: aborted before it started', true);
  const target = new URL(url);
  // Resolving here and connecting to the checked address means DNS cannot be rebound in between.
  const lookup = (hostname: string, lookupOptions: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    dnsLookup(hostname, { all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error);
      const usable = options.allowPrivate ? addresses : addresses.filter((a) => isPublicAddress(a.address));
      if (usable.length === 0) return callback(new TargetRefused(`${hostname} resolves only to private addresses`));
      if (lookupOptions.all) return callback(null, usable);
      const first = usable[0] as LookupAddress;
      return callback(null, first.address, first.family);
    });
  };
  return new Promise<SendResult>((resolve) => {
    let statusCode: number | null = null;
    let settled = false;
    const settle = (result: SendResult, complete = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      options.signal?.removeEventListener('abort', onAbort);
      resolve(result);
      // A complete answer leaves the socket to the keep-alive pool; anything else (a trickling
      // body, a connect in progress) ends here.
      if (!complete) request.destroy();
    };
    const request = (target.protocol === 'https:' ? https : http).request(
      target,
      { method: 'POST', headers: { ...signed.headers, 'content-length': Buffer.byteLength(signed.body) }, lookup: lookup as never },
      (response) => {
        statusCode = response.statusCode ?? 0;
        response.resume();
        response.on('end', () => {
          const status = statusCode ?? 0;
          settle(done(status >= 200 && status < 300, status, status >= 200 && status < 300 ? null : `HTTP ${status}`), true);
        });
        response.on('error', (error) => settle(done(false, statusCode, error.message)));
      },
    );
    const deadline = setTimeout(
      () => settle(done(false, statusCode, `timed out: no complete answer within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    const onAbort = () => {
      const reason = options.signal?.reason;
      settle(done(false, statusCode, `cut off: ${reason instanceof Error ? reason.message : 'aborted'}`, true));
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    request.on('error', (error) => settle(done(false, statusCode, error.message.slice(0, 500))));
    request.end(signed.body);
  });
}
