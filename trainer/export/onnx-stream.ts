/**
 * The audio→factors network split for streams (docs/bundle.md "Streaming pair"): a stateful trunk (the
 * convolutions and pools) that runs once over a stream's continuous mel, and a head (global pools +
 * dense layers) that runs per window on the trunk's last steps. Built from the same NetConfig and
 * parameters as model.onnx (onnx-net.ts's node builders), so the pair computes exactly what the whole
 * network computes on a window whose first frame is a multiple of the trunk's stride S = Π pools: every
 * valid conv and floor pool grid of such a window lines up with the stream's.
 *
 * Trunk graph: inputs `mel` [batch, frames, bands] (the new frames) and per conv layer i `state{i}`
 * [batch, C_i, L_i] (the tail of that layer's input the next frames still need; L_i = 0 for a fresh
 * stream); outputs `steps` [batch, new steps, C_last] (time-major, so that a stream's steps are one
 * contiguous run the engine appends and slices without a copy per channel) and `state{i}_out`. Per layer:
 *   x = Concat(state_i, input, axis 2) → Conv → Relu → MaxPool → next layer's input
 *   state_i_out = x[:, :, start:]  with start = c − c mod pool, c = len(x) − (kernel − 1) conv outputs
 * i.e. the inputs of the conv outputs that did not yet fill a pooling window, plus the kernel − 1 taps
 * before them. The slice start is computed in the graph (Shape/Sub/Mod/Slice), so a fresh stream's empty
 * state and the steady state run through the same graph.
 * Head graph: `steps` [batch, steps, C_last] → Reduce{Mean,Max,L2} over axis 1 → Concat → Gemms → `factors`.
 */
import { onnx } from 'onnx-proto';
import { EarshotError } from '../../src/errors';
import { checkNetParameters, framesAfterConv, validateNetConfig, type NetConfig, type NetParameter } from '../cnn/net-config';
import { checkMeta, convLayerNodes, denseNodes, encodeModel, globalPoolNodes, initializer, node, tensorInfo } from './onnx-net';

const META_STREAM_GEOMETRY = 'earshot.stream_geometry';

/** Where the pair applies and what its state holds (recorded in the bundle's manifest `stream` entry). */
export interface StreamGeometry {
  /** S: the trunk's total stride (frames per step) = Π pools; exact windows start at multiples of S. */
  strideFrames: number;
  /** Trunk steps a window of windowFrames covers: framesAfterConv(windowFrames); the head pools over these. */
  windowSteps: number;
  /** N_W: the smallest multiple of S whose frames yield windowSteps steps; a window needs its first N_W frames. */
  feedFrames: number;
  /** Channels of the trunk's output (the head's input). */
  channels: number;
  /** Per conv layer: the state's channels and its length (frames or steps) once a stream is past its first chunk. */
  states: { channels: number; frames: number }[];
}

/**
 * The streaming geometry of `config` on windows of `windowFrames` frames; ERR_INVALID_ARGUMENT when the
 * window is shorter than the feed (its frames cannot fill the trunk's steps: no exact streaming).
 */
export function streamGeometry(config: NetConfig, windowFrames: number): StreamGeometry {
  const cfg = validateNetConfig(config);
  if (cfg.input.kind !== 'mel') throw new EarshotError('ERR_INVALID_ARGUMENT', 'a streaming pair needs a mel-input network');
  const stride = cfg.conv.reduce((s, l) => s * l.pool, 1);
  const windowSteps = framesAfterConv(cfg, windowFrames);
  if (windowSteps < 1) throw new EarshotError('ERR_INVALID_ARGUMENT', `windows of ${windowFrames} frames are shorter than the network's receptive field`);
  let feedFrames = stride;
  while (framesAfterConv(cfg, feedFrames) < windowSteps) feedFrames += stride;
  if (feedFrames > windowFrames) throw new EarshotError('ERR_INVALID_ARGUMENT', `a window of ${windowFrames} frames holds fewer than the ${feedFrames} frames (a multiple of the stride ${stride}) its ${windowSteps} trunk steps need`);
  // State lengths after a first chunk of feedFrames and one more of `stride`: constant from then on, since
  // every later chunk is a multiple of the stride (checked with a second chunk).
  const step = (lengths: number[], chunk: number): number[] => {
    let t = chunk;
    return cfg.conv.map((l, i) => {
      const len = lengths[i] + t;
      const convOut = len - l.kernel + 1;
      t = Math.floor(convOut / l.pool);
      return len - t * l.pool;
    });
  };
  const first = step(cfg.conv.map(() => 0), feedFrames);
  const steady = step(first, stride);
  if (step(steady, stride).some((n, i) => n !== steady[i])) throw new EarshotError('ERR_INVALID_ARGUMENT', 'internal: the trunk state does not settle');
  let channels = cfg.input.bands;
  const states = cfg.conv.map((l, i) => {
    const s = { channels, frames: steady[i] };
    channels = l.filters;
    return s;
  });
  return { strideFrames: stride, windowSteps, feedFrames, channels, states };
}

/** Whether `config` streams exactly on windows of `windowFrames` frames (a mel net whose window holds its feed). */
export function canStream(config: NetConfig, windowFrames: number): boolean {
  try {
    streamGeometry(config, windowFrames);
    return true;
  } catch {
    return false;
  }
}

const INT64 = onnx.TensorProto.DataType.INT64;

function int64Initializer(name: string, value: number | bigint): onnx.ITensorProto {
  const raw = new Uint8Array(8); // ONNX raw_data is little-endian whatever the host
  new DataView(raw.buffer).setBigInt64(0, BigInt(value), true);
  return { name, dataType: INT64, dims: [1], rawData: raw };
}

/** Largest int64: a Slice end meaning "to the end of the axis". */
const SLICE_TO_END = 9223372036854775807n;

/** The trunk and head graphs' bytes for `config` with trained `params` (folded input standardisation: raw log-mel in). */
export function buildStreamPair(config: NetConfig, params: readonly NetParameter[], windowFrames: number, meta: Record<string, string> = {}): { trunk: Uint8Array; head: Uint8Array; geometry: StreamGeometry } {
  const cfg = validateNetConfig(config);
  const geometry = streamGeometry(cfg, windowFrames);
  const byName = checkNetParameters(cfg, params);
  checkMeta(meta, [META_STREAM_GEOMETRY]);
  const stamped = { ...meta, [META_STREAM_GEOMETRY]: JSON.stringify(geometry) };
  const bands = (cfg.input as { bands: number }).bands;

  const nodes: onnx.INodeProto[] = [node('Transpose', ['mel'], 'mel_bands_by_frames', { perm: [0, 2, 1] })];
  const constants: onnx.ITensorProto[] = [int64Initializer('trunk.time_axis', 2), int64Initializer('trunk.to_end', SLICE_TO_END)];
  const stateInputs: onnx.IValueInfoProto[] = [];
  const stateOutputs: onnx.IValueInfoProto[] = [];
  let x = 'mel_bands_by_frames';
  cfg.conv.forEach((layer, i) => {
    const joined = `state${i}_joined`;
    nodes.push(node('Concat', [`state${i}`, x], joined, { axis: 2 }));
    constants.push(int64Initializer(`trunk.taps${i}`, layer.kernel - 1), int64Initializer(`trunk.pool${i}`, layer.pool));
    nodes.push(node('Shape', [joined], `state${i}_len`, { start: 2, end: 3 }));
    nodes.push(node('Sub', [`state${i}_len`, `trunk.taps${i}`], `state${i}_conv_out`));
    nodes.push(node('Mod', [`state${i}_conv_out`, `trunk.pool${i}`], `state${i}_residue`));
    nodes.push(node('Sub', [`state${i}_conv_out`, `state${i}_residue`], `state${i}_start`));
    nodes.push(node('Slice', [joined, `state${i}_start`, 'trunk.to_end', 'trunk.time_axis'], `state${i}_out`));
    stateInputs.push(tensorInfo(`state${i}`, ['batch', geometry.states[i].channels, `state${i}_frames`]));
    stateOutputs.push(tensorInfo(`state${i}_out`, ['batch', geometry.states[i].channels, `state${i}_out_frames`]));
    x = convLayerNodes(nodes, layer, i, joined);
  });
  nodes.push(node('Transpose', [x], 'steps', { perm: [0, 2, 1] }));
  const convParams = [...byName.values()].filter((p) => p.name.startsWith('conv'));
  const trunk = encodeModel({
    name: 'earshot_stream_trunk',
    node: nodes,
    initializer: [...convParams.map(initializer), ...constants],
    input: [tensorInfo('mel', ['batch', 'frames', bands]), ...stateInputs],
    output: [tensorInfo('steps', ['batch', 'steps', geometry.channels]), ...stateOutputs],
  }, stamped);

  const headNodes: onnx.INodeProto[] = [];
  denseNodes(headNodes, cfg, globalPoolNodes(headNodes, cfg.globalPool, 'steps', 1));
  const head = encodeModel({
    name: 'earshot_stream_head',
    node: headNodes,
    initializer: [...byName.values()].filter((p) => !p.name.startsWith('conv')).map(initializer),
    input: [tensorInfo('steps', ['batch', 'steps', geometry.channels])],
    output: [tensorInfo('factors', ['batch', cfg.outputs])],
  }, stamped);
  return { trunk, head, geometry };
}
