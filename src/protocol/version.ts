/**
 * Protocol v1's identity on the wire: its version number (in `begin` events), the path streams open at,
 * and the WebSocket subprotocols a browser uses to carry its token (browsers cannot set headers).
 */
export const PROTOCOL_VERSION = 1;
export const STREAM_PATH = '/v1/stream';

/** The subprotocol a client offers and the server selects. */
export const SUBPROTOCOL = 'earshot.v1';
/** A token offered as the subprotocol `bearer.<token>`, next to SUBPROTOCOL. */
export const BEARER_SUBPROTOCOL_PREFIX = 'bearer.';
