/** earshot's library surface: audio -> mel -> (model -> factors -> catalog -> events, in later releases). */
export { EarshotError, type EarshotErrorCode } from './errors';
export { computeMel, computeMelAsync, melFilterbank, MelStream, type Spectrogram, type MelStreamOptions } from './dsp/mel';
export { resolveMelOptions, MEL_DEFAULTS, type MelOptions, type LogCompression } from './dsp/mel-options';
export { mfcc, delta, mfccWithDeltas, MFCC_DEFAULTS } from './dsp/mfcc';
export { openAudio, decodeAudioFile, type AudioSource, type AudioFormat, type DecodedAudio } from './audio/decode';
export { loadAudio, streamAudio, ANALYSIS_RATE_HZ, type LoadedAudio } from './audio/load';
export { StreamResampler, resample } from './audio/resample';
export { parseWav, WavStreamDecoder } from './audio/wav';
export { readNpy, writeNpy, encodeNpy } from './io/npy';
