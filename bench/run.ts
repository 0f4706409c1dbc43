/**
 * Benchmark dispatcher: `npm run bench -- <name> [args...]` (or `node dist/bench/run.js <name> ...`).
 * The first positional argument picks a benchmark from BENCHMARKS; everything after it is passed on.
 * Benchmarks live here in bench/, outside the test glob: `npm test` never runs them.
 */
import { main as catalogMain } from './catalog';
import { main as cnnTrainMain } from './cnn-train';
import { main as engineMain } from './engine';
import { main as fleetMain } from './fleet';
import { main as ingestMain } from './ingest';
import { main as kmeansMain } from './kmeans';
import { main as melMain } from './mel';
import { main as modelScaleMain } from './model-scale';
import { main as onnxInferMain } from './onnx-infer';
import { main as onnxStreamMain } from './onnx-stream';
import { main as redisSizingMain } from './redis-sizing';
import { main as resamplerMain } from './resampler-quality';
import { main as sameTrackMain } from './same-track';
import { main as soakMain } from './soak';
import { main as tagModelsMain } from './tag-models';
import { main as trackChangeMain } from './track-change';
import { main as tripletsScaleMain } from './triplets-scale';
import { main as wmfMain } from './wmf';
import { main as worldOracleMain } from './world-oracle';

interface Benchmark {
  summary: string;
  /** Receives the arguments after the benchmark's name; resolves to the process exit code. */
  main: (args: string[]) => Promise<number>;
}

/** One line per benchmark. */
const BENCHMARKS: Record<string, Benchmark> = {
  mel: { summary: 'log-mel throughput: earshot batch/stream vs essentia.js and meyda on one clip [--clip PATH] [--json]', main: melMain },
  resampler: { summary: 'resampler quality (stop-band, passband ripple) and speed for common rates -> 22,050 Hz', main: resamplerMain },
  'redis-sizing': { summary: 'Redis memory per song of a fleet catalogue (log Stream, id set, snapshot hash, with src/fleet encoders), SAVE/dump.rdb size and restart load time, own redis-server [--songs 100000 --factors 64 --phases log,ids,snapshot --json]', main: redisSizingMain },
  'triplets-scale': { summary: 'loadInteractions on a generated Taste-Profile-size file (48.4M lines): seconds, peak RSS [--lines N --users N --items N --seed N --dir PATH --keep --json]', main: tripletsScaleMain },
  'world-oracle': { summary: 'cold-start ceiling of a benchmark world: random vs style-only vs audible-trait ridge vs upper bound [--preset P --songs N --users M --seed S --factors F --json]', main: worldOracleMain },
  'onnx-infer': { summary: 'onnxruntime-node CPU inference ms per 3-s mel window (130 x 128) of the paper-sized CNN, batch 1/32, threads 1/2 [--seconds S] [--json]', main: onnxInferMain },
  'onnx-stream': { summary: 'ms per window of a bundle\'s CNN: model.onnx on whole windows vs the streaming trunk + head in steady state, batch 1/32 [--bundle DIR] [--hop-frames 40] [--seconds S] [--json]', main: onnxStreamMain },
  'cnn-train': { summary: 'libtorch training examples/s and predict ms/window of the paper-sized CNN (130 x 128 windows, Adam) [--threads N --batch 32 --seconds S --json]', main: cnnTrainMain },
  catalog: { summary: 'catalogue search at F 50: exact top-50 ms/query JS vs native (10k/100k/1M), batched q/s, IVF build s, query ms and recall@50 at 1M, fold-in ms [--sizes --ann-size --batch --recall-queries --spread --threads --json]', main: catalogMain },
  kmeans: { summary: 'bag-of-words baseline: k-means fit (k 4000, d 60, 200k frames, 10 iterations), assign frames/s, PCA d 4000 [--n --d --k --iterations --greedy L --assign-rows --pca-d --pca-songs --skip-pca --threads --json]', main: kmeansMain },
  engine: { summary: 'realtime engine under load: earshot serve + a separate load-generator process, N realtime streams of the real clips; latency p50/p99, windows/s, CPU, RSS, dropped [--streams N --seconds S --find-max --json]', main: engineMain },
  fleet: { summary: 'the engine load benchmark through HAProxy (deploy/haproxy.cfg) vs straight to a replica: p50/p99 latency, the proxy hop and its CPU, 2 replicas; catalogue propagation p50/p99 at R adds/s with Redis [--streams 40 --seconds 15 --adds-per-s 100 --add-seconds 10 --skip-propagation --json]', main: fleetMain },
  ingest: { summary: 'library ingest: earshot catalog add of N distinct 30-s WAV files (and MP3/Ogg copies) into earshot serve --catalog, tracks/s, vs ffmpeg decode-only at the same parallelism [--n 300 --coded 60 --jobs J --rounds 3 --skip-sequential --keep --json]', main: ingestMain },
  soak: { summary: 'long run under churn: N streams that connect, play 20-60 s and reconnect, plus analyses and catalogue adds; RSS and p99 per minute, table + PNG [--streams 500 --minutes 60 --out DIR --json]', main: soakMain },
  'model-scale': { summary: 'earshot-train model on a generated catalogue (audio hard-linked from a pool of distinct 30-s songs): seconds per stage, peak RSS, feature store and disk, extrapolated to 384,546 songs [--songs N[,N] --pool DIR | --pool-songs P --users U --dir PATH --epochs E --cnn compact|small --threads T --keep --json]', main: modelScaleMain },
  'tag-models': { summary: 'bundle tag models on held-out songs of a world: gap of mean p (with − without the tag), calibration, reported vs held-out AUC, before/after issue 16 [--bundle DIR --world DIR --test-fraction 0.2 --seed 1 --json]', main: tagModelsMain },
  'same-track': { summary: 'the playing track vs other songs by factor cosine on the real clips: stream running mean vs catalogued vector, what each SAME_TRACK_COSINE threshold excludes [--clips DIR --bundle DIR --k N --json]', main: sameTrackMain },
  'track-change': { summary: 'stream song-change detection (segment=auto): tune on game-music excerpt mixes (tune --music DIR), measure recall within ±3 s and false changes per 5 min on the shared clips and held-out packages (measure) [--bundle DIR --orders N --seed S --json]', main: trackChangeMain },
  wmf: { summary: 'trainWmf seconds per ALS iteration on a generated Last.fm-360K / Taste-Profile-size matrix, optionally side by side with Python implicit [--shape lastfm360k|tasteprofile --scale S --factors N --iterations N --threads N --solver cg|exact --write-csr DIR --peer PYTHONPATH --peer-python EXE --json]', main: wmfMain },
};

function usage(to: NodeJS.WriteStream): void {
  to.write('usage: npm run bench -- <name> [args...]\navailable benchmarks:\n');
  for (const [name, b] of Object.entries(BENCHMARKS)) to.write(`  ${name.padEnd(8)} ${b.summary}\n`);
}

async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h') {
    usage(process.stdout);
    return 0;
  }
  const bench = name === undefined ? undefined : BENCHMARKS[name];
  if (!bench) {
    process.stderr.write(name === undefined ? 'no benchmark named\n' : `unknown benchmark "${name}"\n`);
    usage(process.stderr);
    return 2;
  }
  return bench.main(rest);
}

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
