/** The PCM encodings a stream's binary frames may carry (little-endian, channels interleaved). */
export type PcmEncoding = 'pcm_f32le' | 'pcm_s16le';
export const PCM_ENCODINGS: readonly PcmEncoding[] = ['pcm_f32le', 'pcm_s16le'];
/** Bytes per sample of each encoding. */
export const BYTES_PER_SAMPLE: Record<PcmEncoding, number> = { pcm_f32le: 4, pcm_s16le: 2 };
