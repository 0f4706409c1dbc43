/**
 * Bearer-token checks. Native clients send `Authorization: Bearer <token>`; browsers cannot set headers
 * on a WebSocket, so they may pass `?token=` or the subprotocol pair `earshot.v1, bearer.<token>` (the
 * server then answers with `earshot.v1`). Tokens are compared in constant time.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { BEARER_SUBPROTOCOL_PREFIX } from '../protocol/version';

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The token a request presents, from the header, the query or the subprotocols (in that order). */
export function presentedToken(req: IncomingMessage, url: URL): string | null {
  const h = req.headers.authorization;
  if (h) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
    return m ? m[1] : null;
  }
  const q = url.searchParams.get('token');
  if (q) return q;
  const protocols = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  const b = protocols.find((p) => p.startsWith(BEARER_SUBPROTOCOL_PREFIX));
  return b ? b.slice(BEARER_SUBPROTOCOL_PREFIX.length) : null;
}

/** True when no tokens are configured or the request presents one of them. */
export function authorized(tokens: readonly string[], req: IncomingMessage, url: URL): boolean {
  if (tokens.length === 0) return true;
  const t = presentedToken(req, url);
  return t !== null && tokens.some((k) => same(k, t));
}
