/**
 * WebSocket close codes. 1000/1001/1008/1009/1011 are RFC 6455's; 4xxx are earshot's, modelled on HTTP
 * statuses (4400 bad request, 4401 unauthorized, 4408 timeout, 4415 unsupported media type). Which
 * error code closes with which: ./errors.ts (WIRE_ERRORS), docs/errors.md.
 */
export const CLOSE = {
  normal: 1000,
  goingAway: 1001, // server shutdown
  policy: 1008, // limits: message rate, slow consumer, too many streams
  tooBig: 1009, // a frame over maxFrameBytes
  internal: 1011,
  badRequest: 4400, // a query parameter out of range
  unauthorized: 4401,
  idle: 4408, // no message for idleTimeoutS
  unsupportedAudio: 4415, // encoding, sample rate or channel count not supported
} as const;
