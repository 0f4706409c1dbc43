/**
 * One error type for the whole library: a stable string `code` (listed in docs/errors.md) plus a
 * human message that names the problem. Callers switch on `code`, people read `message`.
 */
export type EarshotErrorCode =
  | 'ERR_INVALID_ARGUMENT' // a parameter is out of range or of the wrong type
  | 'ERR_NOT_FINITE' // audio contains NaN or Inf samples
  | 'ERR_AUDIO_EMPTY' // the input holds no samples
  | 'ERR_AUDIO_FORMAT' // the bytes are not a supported/valid audio container
  | 'ERR_AUDIO_TRUNCATED' // the container promises more data than the file holds
  | 'ERR_AUDIO_TOO_LONG' // decoding whole would exceed the caller's duration limit (memory bound)
  | 'ERR_NPY_FORMAT' // a .npy file is malformed or holds an unsupported dtype/order
  | 'ERR_TOOL_MISSING' // an external program (ffmpeg) is needed and not installed
  | 'ERR_DECODER_FAILED' // an external decoder exited with an error
  | 'ERR_IO' // file system errors
  | 'ERR_NATIVE_UNAVAILABLE'; // the native addon could not be loaded

export class EarshotError extends Error {
  readonly code: EarshotErrorCode;
  constructor(code: EarshotErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EarshotError';
    this.code = code;
  }
}
