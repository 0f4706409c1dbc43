/**
 * A bundle's streaming pair (trainer/export/onnx-stream.ts; docs/bundle.md "Streaming pair") in
 * onnxruntime: the stateful trunk (convolutions and pools, run once over a stream's mel) and the head
 * (global pools and dense layers, run per window on the trunk's steps). The manifest's `stream` entry
 * is checked here: file names, SHA-256 of both files, the graphs' inputs and outputs against the entry
 * and the bundle, and (checkPairAgainst) one window through both paths. Every mismatch is an
 * ERR_MODEL_FORMAT naming the file and the problem.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { EarshotError } from '../errors';
import type { BundleStreamEntry } from './bundle-format';
import { createSession, type FactorModel, type FactorModelOptions } from './onnx-factor-model';

/** The trunk's answer for a batch: new steps [batch, stepCount, channels] (time-major) and each layer's next state [batch, C_i, stateFrames_i]. */
export interface TrunkResult {
  steps: Float32Array;
  stepCount: number;
  states: Float32Array[];
  stateFrames: number[];
}

export interface StreamModel {
  readonly entry: BundleStreamEntry;
  readonly bands: number;
  readonly outputs: number;
  /** `batch` chunks of `frames` new mel frames (row-major frames × bands each) after the given states (each [batch, C_i, stateFrames_i]; 0 frames: a fresh stream). */
  runTrunk(mel: Float32Array, batch: number, frames: number, states: readonly Float32Array[], stateFrames: readonly number[]): Promise<TrunkResult>;
  /** `batch` windows of `stepCount` trunk steps ([batch, stepCount, channels], time-major) → batch × outputs factors. */
  runHead(steps: Float32Array, batch: number, stepCount: number): Promise<Float32Array>;
  close(): Promise<void>;
}

type Fail = (message: string) => never;

const isInt = (v: unknown, min: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min;
const HEX64 = /^[0-9a-f]{64}$/;

/** Checks the manifest's `stream` value (structure only; the files are checked by loadStreamModel). */
export function parseStreamEntry(value: unknown, windowFrames: number, fail: Fail): BundleStreamEntry {
  const v = value as Record<string, unknown>;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return fail('manifest.json stream must be an object (the streaming pair)');
  for (const key of ['trunk', 'head'] as const) {
    const name = v[key];
    if (typeof name !== 'string' || name === '' || name.includes('\0') || path.basename(name) !== name || name === '..') fail(`manifest.json stream.${key} must be a plain file name in the bundle, got ${JSON.stringify(name)}`);
  }
  const sha = v.sha256 as Record<string, unknown> | undefined;
  if (!sha || typeof sha !== 'object' || !HEX64.test(String(sha.trunk)) || !HEX64.test(String(sha.head))) fail('manifest.json stream.sha256 must hold the trunk\'s and the head\'s SHA-256 (64 lowercase hex digits each)');
  for (const key of ['strideFrames', 'windowSteps', 'feedFrames', 'channels']) {
    if (!isInt(v[key], 1)) fail(`manifest.json stream.${key} must be a positive integer, got ${JSON.stringify(v[key])}`);
  }
  const stride = v.strideFrames as number;
  const feed = v.feedFrames as number;
  if (feed % stride !== 0 || feed > windowFrames) fail(`manifest.json stream.feedFrames ${feed} must be a multiple of strideFrames ${stride} and at most windowFrames ${windowFrames}`);
  const states = v.states;
  if (!Array.isArray(states) || states.some((s) => !s || !isInt(s.channels, 1) || !isInt(s.frames, 0))) fail('manifest.json stream.states must list { channels, frames } per conv layer');
  return v as unknown as BundleStreamEntry;
}

function readChecked(dir: string, file: string, sha256: string, fail: Fail): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(path.join(dir, file));
  } catch (err) {
    return fail(`cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? err}), named by manifest.json stream`);
  }
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== sha256) fail(`${file} has SHA-256 ${actual}, manifest.json stream.sha256 says ${sha256} (a pair from another model?)`);
  return bytes;
}

/** The graph's tensor `name` with fixed dims where `dims` has a number (null: a symbolic dim). */
function expectTensor(meta: readonly ort.InferenceSession.ValueMetadata[], name: string, dims: (number | null)[], file: string, fail: Fail): void {
  const m = meta.find((x) => x.name === name);
  if (!m || !m.isTensor || m.type !== 'float32') return fail(`${file} has no float32 tensor "${name}"`);
  const shape = m.shape;
  const ok = shape.length === dims.length && dims.every((d, i) => d === null || shape[i] === d);
  if (!ok) fail(`${file}: "${name}" has shape [${shape.join(', ')}], the manifest's stream entry needs [${dims.map((d) => d ?? '*').join(', ')}]`);
}

/** Loads and checks the pair named by `entry` in bundle `dir` for a model of `bands` mel bands and `outputs` factors. */
export async function loadStreamModel(dir: string, entry: BundleStreamEntry, expected: { bands: number; outputs: number }, options: FactorModelOptions = {}): Promise<StreamModel> {
  const fail: Fail = (message) => {
    throw new EarshotError('ERR_MODEL_FORMAT', `bundle ${dir}: ${message}`);
  };
  const trunkBytes = readChecked(dir, entry.trunk, entry.sha256.trunk, fail);
  const headBytes = readChecked(dir, entry.head, entry.sha256.head, fail);
  const providers = options.executionProviders ?? ['cpu'];
  const threads = options.threads ?? 1;
  const trunk = await createSession(trunkBytes, path.join(dir, entry.trunk), providers, threads);
  let head: ort.InferenceSession | null = null;
  try {
    head = await createSession(headBytes, path.join(dir, entry.head), providers, threads);
    const layers = entry.states.length;
    const trunkIn = ['mel', ...entry.states.map((_, i) => `state${i}`)];
    const trunkOut = ['steps', ...entry.states.map((_, i) => `state${i}_out`)];
    if (trunk.inputNames.join() !== trunkIn.join() || trunk.outputNames.join() !== trunkOut.join()) {
      fail(`${entry.trunk} has inputs [${trunk.inputNames.join(', ')}] and outputs [${trunk.outputNames.join(', ')}]; a ${layers}-layer trunk has [${trunkIn.join(', ')}] and [${trunkOut.join(', ')}]`);
    }
    expectTensor(trunk.inputMetadata, 'mel', [null, null, expected.bands], entry.trunk, fail);
    entry.states.forEach((s, i) => expectTensor(trunk.inputMetadata, `state${i}`, [null, s.channels, null], entry.trunk, fail));
    expectTensor(trunk.outputMetadata, 'steps', [null, null, entry.channels], entry.trunk, fail);
    if (head.inputNames.join() !== 'steps' || head.outputNames.join() !== 'factors') fail(`${entry.head} must take "steps" and give "factors", has [${head.inputNames.join(', ')}] → [${head.outputNames.join(', ')}]`);
    expectTensor(head.inputMetadata, 'steps', [null, null, entry.channels], entry.head, fail);
    expectTensor(head.outputMetadata, 'factors', [null, expected.outputs], entry.head, fail);
  } catch (err) {
    await trunk.release();
    await head?.release();
    throw err;
  }
  const headSession = head;
  let open = true;
  const failed = (file: string, dims: number[], err: unknown): never => {
    throw new EarshotError('ERR_INFERENCE_FAILED', `${file}: onnxruntime failed on [${dims.join(', ')}]: ${(err as Error).message}`, { cause: err });
  };
  return {
    entry,
    bands: expected.bands,
    outputs: expected.outputs,
    async runTrunk(mel, batch, frames, states, stateFrames) {
      if (!open) throw new EarshotError('ERR_INVALID_ARGUMENT', 'the stream model is closed');
      const feeds: Record<string, ort.Tensor> = { mel: new ort.Tensor('float32', mel, [batch, frames, expected.bands]) };
      entry.states.forEach((s, i) => (feeds[`state${i}`] = new ort.Tensor('float32', states[i], [batch, s.channels, stateFrames[i]])));
      let r: ort.InferenceSession.ReturnType;
      try {
        r = await trunk.run(feeds);
      } catch (err) {
        return failed(entry.trunk, [batch, frames, expected.bands], err);
      }
      return {
        steps: r.steps.data as Float32Array,
        stepCount: r.steps.dims[1],
        states: entry.states.map((_, i) => r[`state${i}_out`].data as Float32Array),
        stateFrames: entry.states.map((_, i) => r[`state${i}_out`].dims[2]),
      };
    },
    async runHead(steps, batch, stepCount) {
      if (!open) throw new EarshotError('ERR_INVALID_ARGUMENT', 'the stream model is closed');
      try {
        const r = await headSession.run({ steps: new ort.Tensor('float32', steps, [batch, stepCount, entry.channels]) });
        return r.factors.data as Float32Array;
      } catch (err) {
        return failed(entry.head, [batch, stepCount, entry.channels], err);
      }
    },
    async close() {
      if (!open) return;
      open = false;
      await trunk.release();
      await headSession.release();
    },
  };
}

/**
 * One window of fixed pseudo-random log-mel through both paths: the pair must give model.onnx's factors
 * (within 1e-4 of their largest magnitude: float32 sums in another order), or it belongs to another model.
 */
export async function checkPairAgainst(pair: StreamModel, model: FactorModel, windowFrames: number, dir: string): Promise<void> {
  const { bands } = pair;
  const e = pair.entry;
  let seed = 12345;
  const mel = Float32Array.from({ length: windowFrames * bands }, () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return (seed / 2 ** 32) * 80 - 70; // dB-like values in [-70, 10)
  });
  const whole = await model.predictWindows(mel, 1, windowFrames);
  const t = await pair.runTrunk(mel.subarray(0, e.feedFrames * bands), 1, e.feedFrames, e.states.map(() => new Float32Array(0)), e.states.map(() => 0));
  const ok = t.stepCount >= e.windowSteps && t.stateFrames.every((n, i) => n === e.states[i].frames);
  if (!ok) throw new EarshotError('ERR_MODEL_FORMAT', `bundle ${dir}: ${e.trunk} gives ${t.stepCount} steps and states of [${t.stateFrames.join(', ')}] frames for ${e.feedFrames} frames; manifest.json stream says ${e.windowSteps} and [${e.states.map((s) => s.frames).join(', ')}]`);
  const streamed = await pair.runHead(t.steps.slice(0, e.windowSteps * e.channels), 1, e.windowSteps);
  const scale = Math.max(1e-6, ...Array.from(whole, Math.abs));
  const worst = Math.max(...Array.from(whole, (v, i) => Math.abs(v - streamed[i])));
  if (!(worst <= 1e-4 * scale)) throw new EarshotError('ERR_MODEL_FORMAT', `bundle ${dir}: the streaming pair ${e.trunk} + ${e.head} predicts up to ${worst.toExponential(2)} away from the whole-window model on a test window: not this model's pair`);
}
