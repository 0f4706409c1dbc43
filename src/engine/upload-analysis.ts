/**
 * One encoded upload (any container the decoders read) → the clip's mean factors: decode within the input
 * limits, resample, cut the same windows a stream would (WindowPipeline), predict them in batches as they
 * come. This is what an analysis worker runs (analysis-worker.ts); it holds at most one decoded chunk and
 * one batch of windows at a time, whatever the upload's length.
 */
import { Readable } from 'node:stream';
import type { AudioInputLimits } from '../audio/input-limits';
import { streamAudio } from '../audio/load';
import { EarshotError } from '../errors';
import { WindowMean, type WindowPredictor } from './window-mean';
import { WindowPipeline, type WindowPipelineOptions } from './window-pipeline';

/** Bytes handed to the decoder at a time: the in-process WAV reader's file read size. */
const UPLOAD_PIECE_BYTES = 64 * 1024;

function* slices(bytes: Uint8Array, size: number): Generator<Buffer> {
  for (let o = 0; o < bytes.byteLength; o += size) yield Buffer.from(bytes.buffer, bytes.byteOffset + o, Math.min(size, bytes.byteLength - o));
}

export interface EncodedClipResult {
  factors: Float32Array;
  windows: number;
  /** Seconds of audio at the analysis rate. */
  durationS: number;
}

export async function analyzeEncodedClip(
  bytes: Uint8Array,
  pipelineOptions: WindowPipelineOptions,
  predict: WindowPredictor,
  factors: number,
  limits: Partial<AudioInputLimits>,
  /** Polled between decoded chunks: true stops the analysis with ERR_TIMEOUT (its time limit passed). */
  stop: () => boolean = () => false,
): Promise<EncodedClipResult> {
  const rate = pipelineOptions.inputRateHz;
  const pipeline = new WindowPipeline(pipelineOptions);
  const mean = new WindowMean(predict, factors);
  let samples = 0;
  // 64-KiB pieces, as a file is read: the decoders then admit the format from the header and count the
  // duration before more than one piece is decoded, and `stop` is polled every piece (one whole-body
  // chunk decoded a 40-MB WAV to float32 before any check or cancellation).
  const input = Readable.from(slices(bytes, UPLOAD_PIECE_BYTES));
  try {
    for await (const chunk of streamAudio(input, { sampleRateHz: rate, limits, inputBytes: bytes.byteLength, label: 'the upload' })) {
      if (stop()) throw new EarshotError('ERR_TIMEOUT', 'the analysis was stopped (time limit)');
      samples += chunk.length;
      await mean.add(pipeline.push(chunk));
    }
    await mean.add(pipeline.finalize());
  } finally {
    pipeline.dispose(); // this worker analyses upload after upload: free the native state now
  }
  const windows = mean.windows;
  return { factors: await mean.mean(), windows, durationS: samples / rate };
}
