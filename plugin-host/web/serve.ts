/**
 * A small static HTTP server for the browser plugin (Node): the page and its dist/ at `/`, a model bundle
 * at `/bundle/`, any extra directories the caller maps. MIME types are what the browser insists on: ES
 * modules as JavaScript, WebAssembly as application/wasm (onnxruntime-web fails without either).
 * Single byte ranges are served (206), so media elements can seek.
 *
 *   node dist/plugin-host/web/serve.js [--port 8080] [--bundle models/default] [--isolate]
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { packageRoot } from '../../src/io/package-root';

export const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.map': 'application/json',
  '.css': 'text/css; charset=utf-8',
  '.tsv': 'text/tab-separated-values; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.npy': 'application/octet-stream',
  '.onnx': 'application/octet-stream',
  '.wav': 'audio/wav',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.flac': 'audio/flac',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

export interface StaticServerOptions {
  /** URL prefix ('/', '/bundle/', …) → directory. The longest matching prefix wins. */
  mounts: Record<string, string>;
  /** Default 0 (any free port). */
  port?: number;
  host?: string;
  /** Send COOP/COEP so the page is cross-origin isolated (onnxruntime-web may then use threads). */
  crossOriginIsolated?: boolean;
}

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

export function startStaticServer(o: StaticServerOptions): Promise<StaticServer> {
  const mounts = Object.entries(o.mounts).map(([prefix, dir]) => ({ prefix, dir: path.resolve(dir) })).sort((a, b) => b.prefix.length - a.prefix.length);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    let pathname: string;
    try {
      pathname = decodeURIComponent(url.pathname);
    } catch {
      return void res.writeHead(400).end('bad path');
    }
    const m = mounts.find((m) => pathname.startsWith(m.prefix));
    if (!m || (req.method !== 'GET' && req.method !== 'HEAD')) return void res.writeHead(m ? 405 : 404).end();
    let file = path.join(m.dir, pathname.slice(m.prefix.length));
    if (file !== m.dir && !file.startsWith(m.dir + path.sep)) return void res.writeHead(403).end(); // no ../ escapes
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    if (!fs.existsSync(file)) return void res.writeHead(404, { 'content-type': 'text/plain' }).end(`${pathname}: not found`);
    const size = fs.statSync(file).size;
    const headers: Record<string, string | number> = {
      'content-type': MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
      'accept-ranges': 'bytes',
      'cache-control': 'no-cache',
    };
    if (o.crossOriginIsolated) {
      headers['cross-origin-opener-policy'] = 'same-origin';
      headers['cross-origin-embedder-policy'] = 'require-corp';
    }
    const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
    let start = 0, end = size - 1, status = 200;
    if (range && (range[1] || range[2])) {
      start = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]));
      end = range[1] && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
      if (start > end || start >= size) return void res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
      status = 206;
      headers['content-range'] = `bytes ${start}-${end}/${size}`;
    }
    headers['content-length'] = end - start + 1;
    res.writeHead(status, headers);
    if (req.method === 'HEAD' || size === 0) return void res.end();
    fs.createReadStream(file, { start, end }).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => {
      const a = server.address() as AddressInfo;
      resolve({
        url: `http://${a.address}:${a.port}`,
        close: () => new Promise<void>((r) => {
          server.closeAllConnections();
          server.close(() => r());
        }),
      });
    });
  });
}

export const WEB_DIR = path.join(packageRoot(), 'plugin-host', 'web');

if (require.main === module) {
  const args = process.argv.slice(2);
  const arg = (name: string, dflt: string) => {
    const i = args.indexOf(name);
    return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
  };
  const bundle = path.resolve(arg('--bundle', path.join(packageRoot(), 'models', 'default')));
  void startStaticServer({ mounts: { '/': WEB_DIR, '/bundle/': bundle }, port: Number(arg('--port', '8080')), crossOriginIsolated: args.includes('--isolate') }).then((s) => {
    console.log(`earshot web player: ${s.url}/  (bundle ${bundle} at /bundle/; run \`npm run build:web\` first)`);
  });
}
