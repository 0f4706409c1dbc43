/**
 * The engine's HTTP API as the catalogue commands use it (`earshot catalog add|next`): the base URL, the
 * token, 503-busy retries and the "is it running?" hint in one place.
 */
import { EarshotError } from '../errors';

/** The engine's HTTP API: one place for the base URL, the token and the "is it running?" hint. */
export class Api {
  readonly base: string;
  constructor(
    server: string,
    private readonly token: string | undefined,
    /** A bad --server value: the command's usage error (its usage text). */
    usage: (message: string) => EarshotError,
  ) {
    let u: URL;
    try {
      u = new URL(server.replace(/^ws(s?):/, 'http$1:'));
    } catch {
      throw usage(`--server must be a URL, got '${server}'`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw usage(`--server must be http(s):// or ws(s)://, got '${server}'`);
    this.base = u.origin;
  }

  /**
   * One request; a 503 from a busy engine (its analysis queue full: `Retry-After` seconds) is retried up
   * to BUSY_RETRIES times, so a library import shared with other clients loses no file.
   */
  async request(method: 'GET' | 'POST', pathAndQuery: string, body?: Blob): Promise<{ status: number; text: string }> {
    for (let attempt = 0; ; attempt++) {
      const r = await this.once(method, pathAndQuery, body);
      if (r.status !== 503 || r.retryAfterS === null || attempt >= BUSY_RETRIES) return r;
      await new Promise((resolve) => setTimeout(resolve, r.retryAfterS! * 1000));
    }
  }

  private async once(method: 'GET' | 'POST', pathAndQuery: string, body?: Blob): Promise<{ status: number; text: string; retryAfterS: number | null }> {
    const headers: Record<string, string> = {};
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body) headers['content-type'] = 'application/octet-stream';
    let res: Response;
    try {
      res = await fetch(this.base + pathAndQuery, { method, headers, body });
    } catch (err) {
      // Unreachable engine: fail the whole command at once, not file by file.
      const why = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new EarshotError('ERR_IO', `cannot reach the engine at ${this.base}: ${why?.code ?? why?.message ?? (err as Error).message}${why?.code === 'ECONNREFUSED' ? ' (is `earshot serve` running there?)' : ''}`, { cause: err });
    }
    const retry = Number(res.headers.get('retry-after'));
    return { status: res.status, text: await res.text(), retryAfterS: Number.isFinite(retry) && retry >= 0 && res.headers.has('retry-after') ? Math.min(retry, 60) : null };
  }
}

/** Times `earshot catalog add` waits out an engine's 503 busy (Retry-After) for one file before reporting it failed. */
const BUSY_RETRIES = 10;

/** The server's `{"error":{code,message}}`, or the raw text when it is not that. */
export function errorOf(status: number, text: string): { code: string; message: string } {
  try {
    const e = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
    if (e?.code) return { code: e.code, message: e.message ?? '' };
  } catch {
    // not JSON: a proxy's page, say
  }
  return { code: `http_${status}`, message: text.trim().slice(0, 200) };
}
