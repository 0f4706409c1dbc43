/**
 * The engine's HTTP API as the catalogue commands use it (`earshot catalog add|next|remove|set`): the base
 * URL, the token, 503-busy retries, the "is it running?" hint and the error of a refused request in one place.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { EarshotError } from '../errors';

type Method = 'GET' | 'POST' | 'DELETE' | 'PATCH';

/** The engine's HTTP API: one place for the base URL, the token and the "is it running?" hint. */
export class Api {
  readonly base: string;
  /** Connections kept open between requests (a library import sends thousands). */
  private readonly agent: http.Agent;
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
    this.agent = new (u.protocol === 'https:' ? https.Agent : http.Agent)({ keepAlive: true });
  }

  /**
   * One request, with a file as its body when given (streamed from disk, never held whole); a 503 from
   * a busy engine (its analysis queue full: `Retry-After` seconds) is retried up to BUSY_RETRIES times,
   * so a library import shared with other clients loses no file.
   */
  async request(method: Method, pathAndQuery: string, bodyFile?: string): Promise<{ status: number; text: string }> {
    for (let attempt = 0; ; attempt++) {
      const r = await this.once(method, pathAndQuery, bodyFile);
      if (r.status !== 503 || r.retryAfterS === null || attempt >= BUSY_RETRIES) return r;
      await new Promise((resolve) => setTimeout(resolve, r.retryAfterS! * 1000));
    }
  }


  /** node:http rather than fetch: streaming a 5-MB file through fetch cost ≈ 20 ms of CPU per upload, node:http ≈ 4 ms (measured). */
  private once(method: Method, pathAndQuery: string, bodyFile?: string): Promise<{ status: number; text: string; retryAfterS: number | null }> {
    const headers: Record<string, string | number> = {};
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    return new Promise((resolve, reject) => {
      let answered = false;
      const fail = (err: NodeJS.ErrnoException): void => {
        if (answered) return; // the engine answered (a 503 before reading the body) and closed: its answer counts
        answered = true;
        // Unreachable engine: fail the whole command at once, not file by file.
        reject(new EarshotError('ERR_IO', `cannot reach the engine at ${this.base}: ${err.code ?? err.message}${err.code === 'ECONNREFUSED' ? ' (is `earshot serve` running there?)' : ''}`, { cause: err }));
      };
      let size = 0;
      if (bodyFile !== undefined) {
        try {
          size = fs.statSync(bodyFile).size;
        } catch (err) {
          answered = true;
          return reject(new EarshotError('ERR_IO', `cannot read ${bodyFile}: ${(err as NodeJS.ErrnoException).code ?? err}`, { cause: err }));
        }
        headers['content-type'] = 'application/octet-stream';
        headers['content-length'] = size;
      }
      const req = (this.base.startsWith('https:') ? https : http).request(this.base + pathAndQuery, { method, headers, agent: this.agent }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('error', fail);
        res.on('end', () => {
          if (answered) return;
          answered = true;
          const header = res.headers['retry-after'];
          const retry = Number(header);
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString('utf8'), retryAfterS: header !== undefined && Number.isFinite(retry) && retry >= 0 ? Math.min(retry, 60) : null });
        });
      });
      req.on('error', fail);
      if (bodyFile === undefined) return void req.end();
      const file = fs.createReadStream(bodyFile, { highWaterMark: 1 << 20 });
      file.on('error', (err) => {
        req.destroy();
        if (!answered) {
          answered = true;
          reject(new EarshotError('ERR_IO', `cannot read ${bodyFile}: ${(err as NodeJS.ErrnoException).code ?? err.message}`, { cause: err }));
        }
      });
      file.pipe(req);
    });
  }

  /** Lets the process exit once the requests are done (kept-alive connections would hold it). */
  close(): void {
    this.agent.destroy();
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

/**
 * A request the engine refused, as the command's error: `<METHOD> <path>: <status> <code>: <message>`;
 * ERR_INVALID_ARGUMENT (exit 2) for a 400, the caller's mistake; ERR_UNKNOWN_ID (exit 1) for a 404
 * unknown_track, an id the catalogue does not hold; ERR_IO (exit 1) otherwise.
 */
export function refusedError(method: Method, path: string, status: number, text: string): EarshotError {
  const e = errorOf(status, text);
  const code = status === 400 ? 'ERR_INVALID_ARGUMENT' : status === 404 && e.code === 'unknown_track' ? 'ERR_UNKNOWN_ID' : 'ERR_IO';
  return new EarshotError(code, `${method} ${path}: ${status} ${e.code}: ${e.message}`);
}
