/**
 * `earshot analyze <audio>`: a whole file through the engine offline — the same windows a live stream
 * of it would get, their mean factor vector, suggestions and tags.
 */
import { loadAudio } from '../audio/load';
import { Engine } from '../engine/engine';
import { SAME_TRACK_COSINE } from '../catalog/same-track';
import { EarshotError } from '../errors';
import { STREAM_QUERY } from '../protocol/query';
import { intArg, numArg } from './args';
import { DEFAULT_BUNDLE_DIR } from './default-bundle';
import { defineCommand, type CommandInput, type OptionValues } from './dispatch';

const { hop, k: K, tags: TAGS } = STREAM_QUERY; // the bounds and defaults of POST /v1/analyze's hop, k and tags

export const ANALYZE_USAGE = `usage: earshot analyze <audio> [options]
  Predicts a song's factor vector from its audio (the mean of the CNN over its 3-s windows) and prints
  the nearest catalogue songs and the most probable tags. A catalogue song taken for the file itself
  (cosine ≥ ${SAME_TRACK_COSINE}, docs/catalog.md) is named as the same track, not suggested.
  --bundle <dir>   model bundle (default: the package's models/default)
  --catalog <dir>  suggest from this user catalogue (earshot catalog init) instead of the bundle's songs
  --hop <s>        seconds between windows (default: one window, ≈ 3.02 s: the paper's clip prediction,
                   the mean over non-overlapping 3-s clips; \`earshot stream\` defaults to ${hop.default} s because
                   a live stream wants fresh results every second: pass --hop ${hop.default} here to get the
                   factors a stream of the file ends with)
  --k <n>          suggestions (default ${K.default})
  --tags <n>       tags (default ${TAGS.default})
  --factors        include the factor vector in the text output (always in --json)
  --json           print JSON`;

const ANALYZE_OPTIONS = {
  bundle: { type: 'string' }, catalog: { type: 'string' }, hop: { type: 'string' }, k: { type: 'string' }, tags: { type: 'string' }, factors: { type: 'boolean' }, json: { type: 'boolean' },
} as const;

async function analyzeCommand(values: OptionValues<typeof ANALYZE_OPTIONS>, { positionals }: CommandInput): Promise<void> {
  if (positionals.length !== 1) throw new EarshotError('ERR_INVALID_ARGUMENT', `expected exactly one audio file, got ${positionals.length}\n${ANALYZE_USAGE}`);
  const hopS = numArg('hop', values.hop, hop.min, hop.max);
  const k = intArg('k', values.k, K.min, K.max) ?? K.default;
  const tags = intArg('tags', values.tags, TAGS.min, TAGS.max) ?? TAGS.default;
  const engine = await Engine.open({ bundleDir: values.bundle ?? DEFAULT_BUNDLE_DIR, catalogDir: values.catalog });
  try {
    const rate = engine.bundle.manifest.mel.sampleRateHz;
    const audio = await loadAudio(positionals[0], { sampleRateHz: rate });
    const r = await engine.analyze(audio.samples, rate, { hopS, k, tags });
    if (r.windows === 0) throw new EarshotError('ERR_INVALID_ARGUMENT', `${positionals[0]} is ${r.durationS.toFixed(3)} s long; the model needs at least ${engine.bundle.model.minFrames} mel frames`);
    if (values.json) {
      process.stdout.write(JSON.stringify({ file: positionals[0], duration_s: r.durationS, windows: r.windows, factors: Array.from(r.factors), suggestions: r.suggestions, same_track: r.sameTrack, tags: r.tags }) + '\n');
      return;
    }
    const lines = [
      `${positionals[0]}: ${r.durationS.toFixed(2)} s, ${r.windows} windows`,
      `tags: ${r.tags.map((t) => `${t.tag} ${t.p.toFixed(2)}`).join(', ')}`,
      'suggestions:',
      ...r.suggestions.map((s, i) => `  ${String(i + 1).padStart(2)}. ${s.artist} – ${s.title} [${s.id}] ${s.score.toFixed(3)}`),
    ];
    const same = r.sameTrack;
    if (same) lines.push(`taken for this file itself, so not suggested (cosine ≥ ${SAME_TRACK_COSINE}): ${same.artist} – ${same.title} [${same.id}] ${same.score.toFixed(3)}`);
    if (values.factors) lines.push(`factors: ${Array.from(r.factors, (x) => x.toFixed(5)).join(' ')}`);
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    await engine.close();
  }
}

export const ANALYZE_COMMAND = defineCommand({
  name: 'analyze', summary: 'a file\'s predicted factors, suggestions and tags (offline, as a stream would get them)', usage: ANALYZE_USAGE, options: ANALYZE_OPTIONS, positionals: true, run: analyzeCommand,
});
