/**
 * Which web pages may drive the server (docs/security.md). A browser attaches `Origin` to every
 * cross-origin request it sends — including CORS "simple" POSTs it sends without asking first — and to
 * every WebSocket handshake; native clients (the CLI, the SDK in Node, curl, Liquidsoap, mpv, the LV2
 * plugin) send none. So: a request without Origin is a program and passes; a request with one passes
 * only when the page is the server's own, a loopback page (a DJ's local web app, the browser plugin's
 * dev server), or was allowed with --allow-origin.
 *
 * DNS rebinding (a page at http://evil.example:8765 whose name later resolves to 127.0.0.1) makes the
 * browser treat the server as the attacker's own origin, and its same-origin GETs carry no Origin at all;
 * what still names the attacker is the `Host` header. A loopback server without a token therefore
 * answers only requests whose Host is a loopback name (or one allowed with --allow-host).
 */
import type { IncomingMessage } from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import type { HttpErrorCode } from '../protocol/errors';

export interface OriginPolicyOptions {
  /** Extra page origins allowed (`https://radio.example`, `http://studio.local:3000`); `*` allows any. */
  allowOrigins?: string[];
  /** Extra Host names a loopback server without a token answers (a reverse proxy's name). */
  allowHosts?: string[];
}

/** Loopback names: localhost and its subdomains (RFC 6761), 127.0.0.0/8, ::1. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (net.isIPv4(h)) return h.startsWith('127.');
  // ::ffff:127.x.y.z, which URL parsing writes as ::ffff:7fxx:yyyy.
  if (net.isIPv6(h)) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h) || /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(h);
  return false;
}

/** Canonical `scheme://host[:port]` of an origin, or null when it is not a http(s) origin. */
export function normalizeOrigin(origin: string): string | null {
  if (origin === '*') return '*';
  let u: URL;
  try {
    u = new URL(origin);
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  if (u.pathname !== '/' || u.search || u.hash || u.username || u.password) return null;
  return u.origin;
}

/** The hostname of a Host header value (`name:port`, `[v6]:port`), lower-cased; null when malformed. */
function hostnameOf(host: string): string | null {
  try {
    return new URL(`http://${host}`).hostname.toLowerCase();
  } catch {
    return null;
  }
}

export class OriginPolicy {
  private readonly origins: Set<string>;
  private readonly anyOrigin: boolean;
  private readonly hosts: Set<string>;
  readonly checksHost: boolean;

  /**
   * @param bindHost the address the server listens on
   * @param port     its port (the server's own origins are its addresses at this port)
   * @param hasToken whether requests need a token (then a rebinding page cannot present one: no Host check)
   */
  constructor(o: OriginPolicyOptions, bindHost: string, port: number, hasToken: boolean) {
    const bad = (o.allowOrigins ?? []).filter((x) => normalizeOrigin(x) === null);
    if (bad.length > 0) throw new Error(`--allow-origin ${JSON.stringify(bad[0])} is not an origin (scheme://host[:port], http or https, no path) or *`);
    const allowed = (o.allowOrigins ?? []).map((x) => normalizeOrigin(x)!);
    this.anyOrigin = allowed.includes('*');
    this.origins = new Set(allowed.filter((x) => x !== '*'));
    for (const h of ownHostnames(bindHost)) {
      for (const scheme of ['http', 'https']) this.origins.add(new URL(`${scheme}://${h.includes(':') ? `[${h}]` : h}:${port}`).origin);
    }
    this.hosts = new Set((o.allowHosts ?? []).map((h) => h.toLowerCase().replace(/^\[|\]$/g, '')));
    for (const origin of this.origins) this.hosts.add(new URL(origin).hostname.replace(/^\[|\]$/g, ''));
    this.checksHost = isLoopbackHost(bindHost) && !hasToken;
  }

  /** Whether a page at `origin` may use the server (CORS answers echo it back). */
  allowsOrigin(origin: string): boolean {
    if (this.anyOrigin) return true;
    const o = normalizeOrigin(origin);
    if (o === null || o === '*') return false; // "null" (sandboxed frames, file://) and other schemes
    return this.origins.has(o) || isLoopbackHost(new URL(o).hostname);
  }

  /** Why this request must be refused (403), or null. */
  refusal(req: IncomingMessage): { code: Extract<HttpErrorCode, 'forbidden_origin' | 'forbidden_host'>; message: string } | null {
    if (this.checksHost) {
      const raw = req.headers.host ?? '';
      const h = hostnameOf(raw);
      if (h === null || (!isLoopbackHost(h) && !this.hosts.has(h.replace(/^\[|\]$/g, '')))) {
        return {
          code: 'forbidden_host',
          message: `Host ${JSON.stringify(clip(raw))} is not a name of this server; a loopback server without --token answers only loopback names (DNS rebinding guard). Use http://127.0.0.1, or start it with --allow-host NAME or --token`,
        };
      }
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !this.allowsOrigin(origin)) {
      return {
        code: 'forbidden_origin',
        message: `pages from ${JSON.stringify(clip(origin))} may not use this server; start it with --allow-origin ${clip(origin)} to allow them`,
      };
    }
    // No Origin: a native client — or a browser's no-cors GET (<img src>, <script src>), which carries
    // none. Browsers mark those with Sec-Fetch-Site; such a request from another site is served only
    // when its Referer names an allowed page.
    const site = req.headers['sec-fetch-site'];
    if (origin === undefined && (site === 'cross-site' || site === 'same-site')) {
      const from = refererOrigin(req.headers.referer);
      if (from === null || !this.allowsOrigin(from)) {
        return {
          code: 'forbidden_origin',
          message: `a page from another site (${from === null ? 'no Referer' : JSON.stringify(clip(from))}) may not use this server; start it with --allow-origin to allow one`,
        };
      }
    }
    return null;
  }
}

function refererOrigin(referer: string | undefined): string | null {
  if (!referer) return null;
  try {
    return new URL(referer).origin;
  } catch {
    return null;
  }
}

function clip(s: string): string {
  return s.length > 100 ? `${s.slice(0, 100)}…` : s;
}

/** The names and addresses a page could use to reach a server bound to `bindHost`. */
function ownHostnames(bindHost: string): string[] {
  const h = bindHost.replace(/^\[|\]$/g, '');
  if (h !== '0.0.0.0' && h !== '::') return [h];
  const names = [os.hostname()];
  for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) names.push(a.address.split('%')[0]);
  return names;
}
