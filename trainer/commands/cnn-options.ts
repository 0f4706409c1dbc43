/**
 * The CNN options `earshot-train model` and `experiment` share (--cnn, --cnn-epochs, --windows-per-clip,
 * --patience, --threads, --device, --backend, --lr), their parse, and the three networks --cnn names.
 */
import { choiceArg, intArg, numArg } from '../../src/cli/args';
import type { OptionValues } from '../../src/cli/dispatch';
import { PAPER_NET, type NetConfig } from '../cnn/net-config';
import { PAPER_CNN, type CnnSettings } from '../report/experiment';

/** The paper's layer types at a quarter of the width (≈ 0.68M parameters, a 2.7 MB ONNX file): the default bundle's net. */
const COMPACT_NET: NetConfig = { input: { kind: 'mel', bands: 128 }, conv: [{ filters: 128, kernel: 4, pool: 4 }, { filters: 128, kernel: 4, pool: 2 }, { filters: 256, kernel: 4, pool: 1 }], globalPool: ['mean', 'max', 'l2'], dense: [512], dropout: 0.5, outputs: 50 };
const SMALL_NET: NetConfig = { input: { kind: 'mel', bands: 128 }, conv: [{ filters: 32, kernel: 4, pool: 4 }, { filters: 32, kernel: 4, pool: 2 }], globalPool: ['mean', 'max', 'l2'], dense: [256], dropout: 0.3, outputs: 50 };
export const CNN_NETS = { paper: PAPER_NET, compact: COMPACT_NET, small: SMALL_NET };
export type CnnNetName = keyof typeof CNN_NETS;
const NET_NAMES = Object.keys(CNN_NETS) as CnnNetName[];

export const CNN_OPTIONS = {
  cnn: { type: 'string' }, 'cnn-epochs': { type: 'string' }, 'windows-per-clip': { type: 'string' }, patience: { type: 'string' },
  threads: { type: 'string' }, device: { type: 'string' }, backend: { type: 'string' }, lr: { type: 'string' },
} as const;

/** The CNN settings the options give, with `factors` outputs and the paper's training defaults. */
export function cnnSettings(v: OptionValues<typeof CNN_OPTIONS>, defaultNet: CnnNetName, factors: number): CnnSettings {
  const net = CNN_NETS[choiceArg('cnn', v.cnn, NET_NAMES) ?? defaultNet];
  const device = choiceArg('device', v.device, ['cpu', 'cuda']) ?? 'cpu';
  const backend = choiceArg('backend', v.backend, ['torch', 'tfjs']) ?? 'torch';
  return {
    ...PAPER_CNN, config: { ...net, outputs: factors },
    maxEpochs: intArg('cnn-epochs', v['cnn-epochs']) ?? PAPER_CNN.maxEpochs, windowsPerClip: intArg('windows-per-clip', v['windows-per-clip']) ?? PAPER_CNN.windowsPerClip,
    patience: intArg('patience', v.patience) ?? PAPER_CNN.patience, threads: intArg('threads', v.threads), device, lr: numArg('lr', v.lr), backend,
  };
}
