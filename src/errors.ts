/**
 * One error type for the whole library: a stable string `code` (listed in docs/errors.md) plus a
 * human message that names the problem. Callers switch on `code`, people read `message`.
 */
export type EarshotErrorCode =
  | 'ERR_INVALID_ARGUMENT' // a parameter is out of range or of the wrong type
  | 'ERR_NOT_FINITE' // audio (or k-means/PCA input data) contains NaN or Inf; or a training loss became NaN/Inf (the step is refused)
  | 'ERR_AUDIO_EMPTY' // the input holds no samples
  | 'ERR_AUDIO_FORMAT' // the bytes are not a supported/valid audio container
  | 'ERR_AUDIO_TRUNCATED' // the container promises more data than the file holds; or raw PCM ends inside a sample frame
  | 'ERR_AUDIO_TOO_LONG' // decoding whole would exceed the caller's duration limit (memory bound)
  | 'ERR_NPY_FORMAT' // a .npy file is malformed or holds an unsupported dtype/order
  | 'ERR_PARQUET_FORMAT' // earshot-train import-spark: a Parquet file is not one, lacks a column or has one of another type, or its rows break the id rules (repeated, missing, out of range) or hold ragged/non-finite factors
  | 'ERR_TOOL_MISSING' // an external program (ffmpeg) is needed and not installed
  | 'ERR_DECODER_FAILED' // an external decoder exited with an error
  | 'ERR_TRIPLETS_FORMAT' // a play-count line is malformed (field count, empty id, bad or negative count; a header naming no user/song/count column)
  | 'ERR_TRIPLETS_EMPTY' // a play-count input holds no data rows
  | 'ERR_TRIPLETS_TOO_LARGE' // more rows or id bytes than the Int32 index arrays can address
  | 'ERR_WORLD_FORMAT' // a benchmark world's songs.tsv is malformed (header, field count, empty id)
  | 'ERR_SONGS_FORMAT' // earshot-train model --songs: the songs file is malformed (no id column, field count, duplicate id, a field the catalogue refuses)
  | 'ERR_FEATURE_STORE' // a feature store (earshot-train features) is incomplete, corrupt or of another version
  | 'ERR_ALL_CLIPS_FAILED' // earshot-train features: not one clip could be decoded (failed.tsv says why)
  | 'ERR_IO' // file system errors
  | 'ERR_MODEL_PARAMS' // trained parameters do not match the network config (name, shape, non-finite value)
  | 'ERR_MODEL_FORMAT' // a model file is not valid ONNX, is truncated, or is not an earshot factor network
  | 'ERR_INFERENCE_FAILED' // onnxruntime could not create a session or run the network (message has its reason)
  | 'ERR_CUDA_UNAVAILABLE' // --device cuda, but the CUDA library, driver or GPU is missing (message says which)
  | 'ERR_TORCH_UNAVAILABLE' // the libtorch training addon (npm run build:torch) is not built or libtorch cannot be loaded
  | 'ERR_TFJS_UNAVAILABLE' // --backend tfjs, but none of @tensorflow/tfjs-node-gpu, tfjs-node, tfjs can be loaded (message lists each reason)
  | 'ERR_TORCH' // libtorch raised an error while training or predicting (the message is torch's)
  | 'ERR_CHECKPOINT' // a training checkpoint is not one, is damaged, or holds another architecture/optimizer
  | 'ERR_INVALID_STATE' // the object cannot do this now: it was disposed, or a queued native call still owns it
  | 'ERR_NATIVE_UNAVAILABLE' // the native addon could not be loaded
  | 'ERR_BUSY' // every analysis worker is busy and the queue is full: retry later (HTTP 503 + Retry-After)
  | 'ERR_AUDIO_SAMPLE' // a stream's PCM holds a float sample that is NaN, ±Inf or beyond ±16 (full scale 1.0): the frame is dropped
  | 'ERR_STREAM_FINALIZED' // audio for a stream after its finalize and before a reset (the track has ended): ignored
  | 'ERR_TIMEOUT' // an operation ran past its time limit and was stopped
  | 'ERR_UNKNOWN_ID' // earshot catalog remove/set: an id the engine's catalogue does not hold (HTTP 404 unknown_track; exit 1)
  | 'ERR_FLEET_UNAVAILABLE'; // serve --redis: the fleet's Redis is unreachable, not durable (no AOF), or a write could not be confirmed (HTTP 503 fleet_unavailable)

export class EarshotError extends Error {
  readonly code: EarshotErrorCode;
  constructor(code: EarshotErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EarshotError';
    this.code = code;
  }
}
