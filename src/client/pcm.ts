/**
 * sendPcm's argument → the bytes of one binary frame in the stream's encoding (browser-safe). Typed
 * arrays that already match the encoding are sent without a copy; a mismatch is converted (float
 * samples are clipped to [-1, 1] for s16).
 */
import type { PcmEncoding } from '../protocol/pcm';

export function toWireBytes(pcm: Float32Array | Int16Array | ArrayBuffer | Uint8Array, encoding: PcmEncoding): Uint8Array {
  // Typed arrays go out in host byte order; every platform browsers and Node run on is little-endian.
  if (pcm instanceof Float32Array) {
    if (encoding === 'pcm_f32le') return new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength);
    const s = new Int16Array(pcm.length);
    for (let i = 0; i < pcm.length; i++) s[i] = Math.round(Math.max(-1, Math.min(1, pcm[i])) * 32767);
    return new Uint8Array(s.buffer);
  }
  if (pcm instanceof Int16Array) {
    if (encoding === 'pcm_s16le') return new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength);
    const f = new Float32Array(pcm.length);
    for (let i = 0; i < pcm.length; i++) f[i] = pcm[i] / 32768;
    return new Uint8Array(f.buffer);
  }
  if (pcm instanceof Uint8Array) return pcm;
  if (pcm instanceof ArrayBuffer) return new Uint8Array(pcm);
  throw new TypeError('sendPcm takes a Float32Array, Int16Array, Uint8Array or ArrayBuffer');
}
