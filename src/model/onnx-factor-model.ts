/**
 * Runs an exported audio→factors network (trainer/export/onnx-net.ts) with onnxruntime-node: log-mel
 * windows in, predicted WMF song factors out. The paper's clip prediction (van den Oord et al. 2013,
 * §5) is the mean of the network's outputs over consecutive 3-s windows of the clip.
 *
 * Arguments are checked here, once (sizes, minimum frames), so onnxruntime only ever sees tensors it can
 * run; its own failures become ERR_INFERENCE_FAILED. The model must have one float32 input named `mel`
 * [batch, frames, bands] or `features` [batch, features] and one output `factors` [batch, outputs].
 */
import * as fs from 'node:fs';
import * as ort from 'onnxruntime-node';
import { EarshotError } from '../errors';
import { readOnnxHeader } from './onnx-header';

/** 130 frames × 512-sample hop / 22,050 Hz ≈ 3.02 s: the paper's window. */
export const DEFAULT_WINDOW_FRAMES = 130;
/** Windows per onnxruntime call in predictClip: the paper-sized net needs ≈ 0.4 MB of activations per window, so 64 bounds a call to ≈ 25 MB. */
export const DEFAULT_MAX_BATCH_WINDOWS = 64;

export interface FactorModelOptions {
  /**
   * onnxruntime execution providers, in priority order for assigning nodes (['cuda', 'cpu']: CUDA, with
   * the CPU for nodes CUDA lacks); default ['cpu']. Each must be installed: onnxruntime-node does not skip
   * one it cannot load (this npm build bundles cpu and webgpu; cuda needs its provider libraries), and
   * loadFactorModel then fails with ERR_INFERENCE_FAILED naming the library.
   */
  executionProviders?: string[];
  /** Threads one inference may use (onnxruntime intra-op threads); default 1, which leaves a realtime host's other cores alone. */
  threads?: number;
  /** Most windows predictClip sends in one onnxruntime call (a memory bound); default DEFAULT_MAX_BATCH_WINDOWS. */
  maxBatchWindows?: number;
}

/** The frames × bands, row-major log-mel layout of src/dsp/mel.ts. */
export interface MelInput {
  data: Float32Array;
  frames: number;
  bands: number;
}

export interface FactorModel {
  readonly inputKind: 'mel' | 'vector';
  /** Mel bands of the `mel` input (0 for a vector model). */
  readonly bands: number;
  /** Width of the `features` input (0 for a mel model). */
  readonly features: number;
  /** Factors per prediction. */
  readonly outputs: number;
  /** Fewest frames a window may have (from the exporter's earshot.min_frames; 1 when the model does not say). */
  readonly minFrames: number;
  /** The model's metadata_props, including the exporter's earshot.net_config and earshot.min_frames. */
  readonly meta: Readonly<Record<string, string>>;
  /** `batch` windows of `frames` × bands each, back to back → batch × outputs factors, row-major. */
  predictWindows(mel: Float32Array, batch: number, frames: number): Promise<Float32Array>;
  /**
   * One clip → outputs factors: the mean over floor(frames / windowFrames) consecutive, non-overlapping
   * windows; the last frames % windowFrames frames are not used. A clip shorter than one window is
   * predicted whole (the network pools globally over time, so any length ≥ minFrames is valid and no
   * padding value has to be guessed for a log scale the model does not know); shorter than minFrames is
   * ERR_INVALID_ARGUMENT.
   */
  predictClip(spectrogram: MelInput, windowFrames?: number): Promise<Float32Array>;
  /** Vector models: `batch` rows of `features` values → batch × outputs. */
  predictFeatures(features: Float32Array, batch: number): Promise<Float32Array>;
  /** Frees the onnxruntime session; later predictions fail with ERR_INVALID_ARGUMENT. */
  close(): Promise<void>;
}

function invalid(message: string): never {
  throw new EarshotError('ERR_INVALID_ARGUMENT', message);
}

function checkCount(value: number, name: string, min = 1): void {
  if (!Number.isInteger(value) || value < min) invalid(`${name} must be an integer >= ${min}, got ${value}`);
}

/** Reads the one input / one output the exporter writes and their fixed widths. */
function describe(session: ort.InferenceSession, source: string): { kind: 'mel' | 'vector'; width: number; outputs: number } {
  const fail = (msg: string): never => {
    throw new EarshotError('ERR_MODEL_FORMAT', `${source}: not an earshot factor model: ${msg}`);
  };
  if (session.inputNames.length !== 1 || session.outputNames.length !== 1) fail(`expected one input and one output, got inputs [${session.inputNames.join(', ')}], outputs [${session.outputNames.join(', ')}]`);
  const input = session.inputMetadata[0];
  const output = session.outputMetadata[0];
  if (input.name !== 'mel' && input.name !== 'features') fail(`the input is "${input.name}", expected "mel" or "features"`);
  if (output.name !== 'factors') fail(`the output is "${output.name}", expected "factors"`);
  if (!input.isTensor || !output.isTensor) return fail('input and output must be tensors');
  if (input.type !== 'float32' || output.type !== 'float32') fail(`input and output must be float32, got ${input.type} and ${output.type}`);
  const kind = input.name === 'mel' ? 'mel' : 'vector';
  const rank = kind === 'mel' ? 3 : 2;
  const width = input.shape[rank - 1];
  const outputs = output.shape[1];
  if (input.shape.length !== rank || typeof width !== 'number' || !(width >= 1)) return fail(`input "${input.name}" has shape [${input.shape.join(', ')}], expected [batch, ${kind === 'mel' ? 'frames, bands' : 'features'}] with a fixed last axis`);
  if (output.shape.length !== 2 || typeof outputs !== 'number' || !(outputs >= 1)) return fail(`output "factors" has shape [${output.shape.join(', ')}], expected [batch, outputs] with fixed outputs`);
  return { kind, width, outputs };
}

function readModel(model: string | Uint8Array): { bytes: Uint8Array; source: string } {
  if (model instanceof Uint8Array) return { bytes: model, source: 'model bytes' };
  if (typeof model !== 'string') invalid('model must be a file path or the model bytes (Uint8Array)');
  try {
    return { bytes: fs.readFileSync(model), source: model };
  } catch (err) {
    throw new EarshotError('ERR_IO', `cannot read model ${model}: ${(err as Error).message}`, { cause: err });
  }
}

/** An onnxruntime session on `bytes` with earshot's settings (sequential, `threads` intra-op threads, all graph optimisations). */
export async function createSession(bytes: Uint8Array, source: string, providers: string[], threads: number): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(bytes, { executionProviders: providers, intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
  } catch (err) {
    const reason = (err as Error).message;
    // The CPU provider is always built in, so with it alone a failure is the model's; otherwise it may be the provider's.
    if (providers.every((p) => p === 'cpu')) throw new EarshotError('ERR_MODEL_FORMAT', `${source}: onnxruntime cannot load the model: ${reason}`, { cause: err });
    throw new EarshotError('ERR_INFERENCE_FAILED', `${source}: onnxruntime cannot create a session with providers [${providers.join(', ')}] (a provider may not be installed): ${reason}`, { cause: err });
  }
}

/** Loads an ONNX factor model from a file path or its bytes. */
export async function loadFactorModel(model: string | Uint8Array, options: FactorModelOptions = {}): Promise<FactorModel> {
  const threads = options.threads ?? 1;
  const maxBatch = options.maxBatchWindows ?? DEFAULT_MAX_BATCH_WINDOWS;
  const providers = options.executionProviders ?? ['cpu'];
  checkCount(threads, 'threads');
  checkCount(maxBatch, 'maxBatchWindows');
  if (!Array.isArray(providers) || providers.length === 0 || providers.some((p) => typeof p !== 'string')) invalid('executionProviders must be a non-empty array of provider names');

  const { bytes, source } = readModel(model);
  const header = readOnnxHeader(bytes, source);
  const session = await createSession(bytes, source, providers, threads);
  let shape: ReturnType<typeof describe>;
  try {
    shape = describe(session, source);
  } catch (err) {
    await session.release();
    throw err;
  }
  const declaredMin = Number(header.metadata['earshot.min_frames']);
  const minFrames = shape.kind === 'mel' && Number.isInteger(declaredMin) && declaredMin >= 1 ? declaredMin : 1;
  const bands = shape.kind === 'mel' ? shape.width : 0;
  let open = true;

  async function run(data: Float32Array, dims: number[]): Promise<Float32Array> {
    if (!open) invalid('the factor model is closed');
    const feeds = { [shape.kind === 'mel' ? 'mel' : 'features']: new ort.Tensor('float32', data, dims) };
    let result: ort.InferenceSession.ReturnType;
    try {
      result = await session.run(feeds);
    } catch (err) {
      throw new EarshotError('ERR_INFERENCE_FAILED', `${source}: onnxruntime failed on input [${dims.join(', ')}]: ${(err as Error).message}`, { cause: err });
    }
    return result.factors.data as Float32Array;
  }

  async function predictWindows(mel: Float32Array, batch: number, frames: number): Promise<Float32Array> {
    if (shape.kind !== 'mel') invalid('predictWindows needs a mel model; this one takes feature vectors (use predictFeatures)');
    if (!(mel instanceof Float32Array)) invalid('mel must be a Float32Array (frames × bands, row-major)');
    checkCount(batch, 'batch');
    checkCount(frames, 'frames', minFrames);
    if (mel.length !== batch * frames * bands) invalid(`mel holds ${mel.length} values; ${batch} windows × ${frames} frames × ${bands} bands need ${batch * frames * bands}`);
    return run(mel, [batch, frames, bands]);
  }

  async function predictClip(spec: MelInput, windowFrames = DEFAULT_WINDOW_FRAMES): Promise<Float32Array> {
    if (shape.kind !== 'mel') invalid('predictClip needs a mel model; this one takes feature vectors (use predictFeatures)');
    if (spec.bands !== bands) invalid(`the spectrogram has ${spec.bands} bands, the model takes ${bands}`);
    checkCount(windowFrames, 'windowFrames', minFrames);
    if (!(spec.data instanceof Float32Array) || spec.data.length !== spec.frames * bands) invalid(`spectrogram data must be a Float32Array of frames × bands = ${spec.frames * bands} values`);
    if (!(spec.frames >= minFrames)) invalid(`the clip has ${spec.frames} frames; this network needs at least ${minFrames}`);
    if (spec.frames < windowFrames) return predictWindows(spec.data, 1, spec.frames);

    const windows = Math.floor(spec.frames / windowFrames);
    const sum = new Float64Array(shape.outputs); // float64: the mean of hundreds of windows loses no bits
    for (let first = 0; first < windows; first += maxBatch) {
      const n = Math.min(maxBatch, windows - first);
      // Consecutive windows of a frames × bands array are contiguous: a view, no copy.
      const view = spec.data.subarray(first * windowFrames * bands, (first + n) * windowFrames * bands);
      const out = await predictWindows(view, n, windowFrames);
      for (let i = 0; i < out.length; i++) sum[i % shape.outputs] += out[i];
    }
    return Float32Array.from(sum, (s) => s / windows);
  }

  async function predictFeatures(features: Float32Array, batch: number): Promise<Float32Array> {
    if (shape.kind !== 'vector') invalid('predictFeatures needs a vector model; this one takes mel windows (use predictWindows)');
    if (!(features instanceof Float32Array)) invalid('features must be a Float32Array (batch × features, row-major)');
    checkCount(batch, 'batch');
    if (features.length !== batch * shape.width) invalid(`features holds ${features.length} values; ${batch} rows × ${shape.width} need ${batch * shape.width}`);
    return run(features, [batch, shape.width]);
  }

  return {
    inputKind: shape.kind,
    bands,
    features: shape.kind === 'vector' ? shape.width : 0,
    outputs: shape.outputs,
    minFrames,
    meta: Object.freeze({ ...header.metadata }),
    predictWindows,
    predictClip,
    predictFeatures,
    async close() {
      if (!open) return;
      open = false;
      await session.release();
    },
  };
}
