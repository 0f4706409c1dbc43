/**
 * The client SDK's Node entry: the browser-safe API (./index) with the `ws` package as the default
 * WebSocket and the Authorization header as the default way to send the token. `ws` is preferred even
 * where Node has a global WebSocket (Node >= 22) because that one cannot set headers.
 */
import WebSocket from 'ws';
import { EarshotClient as BrowserClient } from './client';
import type { StreamOptions, WebSocketConstructor } from './options';

export * from './index';

function withNodeDefaults(options: StreamOptions): StreamOptions {
  return { ...options, WebSocket: options.WebSocket ?? (WebSocket as unknown as WebSocketConstructor), auth: options.auth ?? 'header' };
}

export class EarshotClient extends BrowserClient {
  constructor(url: string, options: StreamOptions) {
    super(url, withNodeDefaults(options));
  }
}

/** Opens a stream (over `ws` by default) and resolves once the server's `begin` has arrived. */
export async function connectStream(url: string, options: StreamOptions): Promise<EarshotClient> {
  const client = new EarshotClient(url, options);
  await client.connect();
  return client;
}
