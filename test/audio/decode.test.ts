/**
 * End-to-end audio input: every clip in ../shared/data/audio decodes at its source rate and
 * length, WAV goes in-process and matches ffmpeg's decode exactly, and every failure (missing
 * file, not audio, no ffmpeg, early stop) ends promptly with the right code. Each async test has
 * a timeout so a hung ffmpeg fails the run instead of stalling it.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, test, type TestContext } from 'node:test';
import { decodeAudioFile, openAudio } from '../../src/audio/decode';
import { downmixToMono } from '../../src/audio/downmix';
import { ffmpegDecodeStream, findFfmpeg } from '../../src/audio/ffmpeg';
import { EarshotError } from '../../src/errors';
import { sharedOrSkip } from '../helpers/shared';
import { closedFormValues, concatF32, makeWav } from '../helpers/wav-writer';

const TIMEOUT_MS = 60_000;

/** Source rates from ../shared/data/audio/README.md; all clips are 30 s except hyperrogue (27.5 s). */
const CLIPS: [file: string, rateHz: number, durationS: number][] = [
  ['wesnoth-battle.ogg', 44100, 30],
  ['wesnoth-elvish-theme.wav', 44100, 30],
  ['nexuiz-beast-of-insanity.ogg', 44100, 30],
  ['nexuiz-brokenlight.ogg', 44100, 30],
  ['singularity-aberrations.ogg', 48000, 30],
  ['singularity-awakening.ogg', 48000, 30],
  ['hyperrogue-mountain.ogg', 44100, 27.5],
  ['megaglest-indian.ogg', 44100, 30],
  ['megaglest-jadeflange.ogg', 48000, 30],
  ['fretsonfire-armygeddon.ogg', 44100, 30],
  ['asc-machine-wars.mp3', 22050, 30],
  ['warzone2100-track17.opus', 48000, 30],
  ['ufoai-battlescape01.flac', 44100, 30],
];

function ffmpegOrSkip(t: TestContext): boolean {
  if (findFfmpeg()) return true;
  if (process.env.EARSHOT_REQUIRE_SHARED === '1') assert.fail('ffmpeg not found and EARSHOT_REQUIRE_SHARED=1');
  t.skip('ffmpeg not installed (apt-get install ffmpeg)');
  return false;
}

async function rejectsCode(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof EarshotError, `expected EarshotError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    return true;
  });
}

let tmp = '';
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-decode-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('shared clips decode at the source rate and length', () => {
  for (const [file, rateHz, durationS] of CLIPS) {
    test(file, { timeout: TIMEOUT_MS }, async (t) => {
      const clip = sharedOrSkip(t, `data/audio/${file}`);
      if (!clip || (!file.endsWith('.wav') && !ffmpegOrSkip(t))) return;
      const out = await decodeAudioFile(clip);
      assert.equal(out.sampleRateHz, rateHz);
      assert.equal(out.channels, 2);
      assert.ok(Math.abs(out.durationS - durationS) <= 0.05, `duration ${out.durationS} s`);
      assert.equal(out.mono.length, Math.round(out.durationS * rateHz));
      let energy = 0;
      for (const v of out.mono) energy += v * v;
      const rms = Math.sqrt(energy / out.mono.length);
      assert.ok(rms > 0.01 && rms < 1, `rms ${rms}: music, not silence or garbage`);
    });
  }
});

describe('WAV is decoded in-process', () => {
  test('detected by magic, not extension; equals the ffmpeg decode sample for sample', { timeout: TIMEOUT_MS }, async (t) => {
    const clip = sharedOrSkip(t, 'data/audio/wesnoth-elvish-theme.wav');
    if (!clip || !ffmpegOrSkip(t)) return;
    const renamed = path.join(tmp, 'elvish.mp3'); // a WAV with a misleading extension
    fs.copyFileSync(clip, renamed);
    const source = await openAudio(renamed, { ffmpegPath: '/nonexistent/ffmpeg' }); // proves ffmpeg unused
    assert.deepEqual(source.format, { sampleRateHz: 44100, channels: 2, decoder: 'wav' });
    const parts: Float32Array[] = [];
    for await (const mono of source) parts.push(mono);
    const inProcess = concatF32(parts);
    const viaFfmpeg: Float32Array[] = [];
    for await (const c of ffmpegDecodeStream(clip)) viaFfmpeg.push(downmixToMono(c.interleaved, c.format.channels));
    // int16 -> float is x / 32768 in both, and the stereo mean is exact in float32.
    assert.deepEqual(inProcess, concatF32(viaFfmpeg));
  });

  test('ffmpeg pipe decoded and downmixed in one pass: the same floats as its interleaved frames then downmixToMono', { timeout: TIMEOUT_MS }, async (t) => {
    // The pipe's float WAV puts its samples 2 bytes off alignment (data at byte 98): the aligned-copy path.
    for (const name of ['fretsonfire-armygeddon.ogg', 'asc-machine-wars.mp3']) {
      const clip = sharedOrSkip(t, `data/audio/${name}`);
      if (!clip || !ffmpegOrSkip(t)) return;
      const onePass: Float32Array[] = [];
      for await (const c of ffmpegDecodeStream(clip, {}, true)) {
        assert.equal(c.downmixed, true);
        onePass.push(c.interleaved);
      }
      const twoSteps: Float32Array[] = [];
      for await (const c of ffmpegDecodeStream(clip)) twoSteps.push(downmixToMono(c.interleaved, c.format.channels));
      const expected = concatF32(twoSteps);
      assert.ok(expected.length > 0);
      assert.deepEqual(concatF32(onePass), expected, name);
      const viaOpen: Float32Array[] = [];
      for await (const mono of await openAudio(clip)) viaOpen.push(mono); // what uploads and files go through
      assert.deepEqual(concatF32(viaOpen), expected, name);
    }
  });

  test('from a stream, and malformed WAV files keep their error codes and name the file', { timeout: TIMEOUT_MS }, async () => {
    const values = closedFormValues('s16', 2000);
    const good = path.join(tmp, 'good.wav');
    fs.writeFileSync(good, makeWav({ encoding: 's16', channels: 2, sampleRateHz: 16000, values }));
    const source = await openAudio(fs.createReadStream(good, { highWaterMark: 7 }));
    assert.deepEqual(source.format, { sampleRateHz: 16000, channels: 2, decoder: 'wav' });
    let frames = 0;
    for await (const mono of source) frames += mono.length;
    assert.equal(frames, 1000);

    const cut = path.join(tmp, 'cut.wav');
    fs.writeFileSync(cut, fs.readFileSync(good).subarray(0, 1000));
    await rejectsCode(decodeAudioFile(cut), 'ERR_AUDIO_TRUNCATED', /cut\.wav/);
    const nan = path.join(tmp, 'nan.wav');
    fs.writeFileSync(nan, makeWav({ encoding: 'f32', channels: 1, sampleRateHz: 8000, values: [0, 0, NaN] }));
    await rejectsCode(decodeAudioFile(nan), 'ERR_NOT_FINITE', /sample 2 /);
    await rejectsCode(decodeAudioFile(good, { maxDurationS: 0.01 }), 'ERR_AUDIO_TOO_LONG');
  });
});

describe('ffmpeg path', () => {
  test('a byte stream of Ogg decodes like the file', { timeout: TIMEOUT_MS }, async (t) => {
    const clip = sharedOrSkip(t, 'data/audio/hyperrogue-mountain.ogg');
    if (!clip || !ffmpegOrSkip(t)) return;
    const source = await openAudio(fs.createReadStream(clip));
    assert.deepEqual(source.format, { sampleRateHz: 44100, channels: 2, decoder: 'ffmpeg' });
    const parts: Float32Array[] = [];
    for await (const mono of source) parts.push(mono);
    assert.deepEqual(concatF32(parts), (await decodeAudioFile(clip)).mono);
  });

  test('not audio: ffmpeg fails and the error carries its stderr', { timeout: TIMEOUT_MS }, async (t) => {
    if (!ffmpegOrSkip(t)) return;
    const text = path.join(tmp, 'notes.mp3');
    fs.writeFileSync(text, '{"this": "is json, not audio"}\n');
    await rejectsCode(decodeAudioFile(text), 'ERR_DECODER_FAILED', /ffmpeg failed \(exit code \d+\) decoding .*notes\.mp3: .+/);
    await rejectsCode(openAudio(fs.createReadStream(text)), 'ERR_DECODER_FAILED', /Invalid data/);
    const elf = path.join(tmp, 'program.ogg');
    fs.writeFileSync(elf, fs.readFileSync(process.execPath).subarray(0, 64 * 1024));
    await rejectsCode(decodeAudioFile(elf), 'ERR_DECODER_FAILED');
  });

  test('a cut-off Ogg fails instead of hanging', { timeout: TIMEOUT_MS }, async (t) => {
    const clip = sharedOrSkip(t, 'data/audio/wesnoth-battle.ogg');
    if (!clip || !ffmpegOrSkip(t)) return;
    const cut = path.join(tmp, 'cut.ogg');
    fs.writeFileSync(cut, fs.readFileSync(clip).subarray(0, 300));
    await rejectsCode(decodeAudioFile(cut), 'ERR_DECODER_FAILED');
  });

  test('stopping early leaves no ffmpeg running (never-ending stream input)', { timeout: TIMEOUT_MS }, async (t) => {
    const clip = sharedOrSkip(t, 'data/audio/ufoai-battlescape01.flac');
    const real = findFfmpeg();
    if (!clip || !ffmpegOrSkip(t) || !real) return;
    if (process.platform === 'win32') return t.skip('needs a POSIX shell wrapper');
    const pidFile = path.join(tmp, 'ffmpeg.pid');
    const wrapper = path.join(tmp, 'ffmpeg-wrapper.sh');
    fs.writeFileSync(wrapper, `#!/bin/sh\necho $$ > '${pidFile}'\nexec '${real}' "$@"\n`, { mode: 0o755 });
    // A stream that never ends: ffmpeg must not be left waiting on stdin. (It may also die of
    // the closed stdout pipe; the fake-decoder test below isolates the kill itself.)
    const input = new PassThrough();
    input.write(fs.readFileSync(clip).subarray(0, 512 * 1024));
    const source = await openAudio(input, { ffmpegPath: wrapper });
    for await (const mono of source) {
      assert.ok(mono.length > 0);
      break; // consumer stops after one chunk
    }
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    const deadline = Date.now() + 10_000;
    while (isAlive(pid)) {
      assert.ok(Date.now() < deadline, `ffmpeg pid ${pid} still running after the consumer stopped`);
      await new Promise((r) => setTimeout(r, 20));
    }
  });
});

test('stopping early kills a decoder that is still running but silent', { timeout: TIMEOUT_MS }, async (t) => {
  if (process.platform === 'win32') return t.skip('needs a POSIX shell');
  // A fake ffmpeg: writes an until-EOF float WAV, then sleeps without writing again, so no
  // broken pipe will ever end it. Only the generator's kill can.
  const pidFile = path.join(tmp, 'fake.pid');
  const wav = path.join(tmp, 'fake-out.wav');
  const fake = path.join(tmp, 'fake-ffmpeg.sh');
  fs.writeFileSync(wav, makeWav({ encoding: 'f32', channels: 2, sampleRateHz: 8000, values: [0.5, 0.25], declaredDataBytes: 0xffffffff }));
  fs.writeFileSync(fake, `#!/bin/sh\necho $$ > '${pidFile}'\ncat '${wav}'\nexec sleep 300\n`, { mode: 0o755 });
  for await (const chunk of ffmpegDecodeStream('whatever.ogg', { ffmpegPath: fake })) {
    assert.deepEqual(chunk, { format: { sampleRateHz: 8000, channels: 2 }, interleaved: Float32Array.from([0.5, 0.25]) });
    break;
  }
  const pid = Number(fs.readFileSync(pidFile, 'utf8'));
  const deadline = Date.now() + 10_000;
  while (isAlive(pid)) {
    assert.ok(Date.now() < deadline, `decoder pid ${pid} still running after the consumer stopped`);
    await new Promise((r) => setTimeout(r, 20));
  }
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('missing inputs and tools', () => {
  test('missing file: ERR_IO naming the path; empty file: ERR_AUDIO_EMPTY', { timeout: TIMEOUT_MS }, async () => {
    await rejectsCode(decodeAudioFile(path.join(tmp, 'nope.ogg')), 'ERR_IO', /nope\.ogg.*ENOENT/);
    await rejectsCode(openAudio(tmp), 'ERR_IO', /EISDIR/);
    const empty = path.join(tmp, 'empty.flac');
    fs.writeFileSync(empty, '');
    await rejectsCode(decodeAudioFile(empty), 'ERR_AUDIO_EMPTY', /empty\.flac/);
  });

  test('ffmpeg binary absent: ERR_TOOL_MISSING saying how to install it', { timeout: TIMEOUT_MS }, async (t) => {
    const clip = sharedOrSkip(t, 'data/audio/asc-machine-wars.mp3');
    if (!clip) return;
    const install = /ffmpeg.*apt-get install ffmpeg/s;
    await rejectsCode(decodeAudioFile(clip, { ffmpegPath: '/nonexistent/bin/ffmpeg' }), 'ERR_TOOL_MISSING', install);
    const gen = ffmpegDecodeStream(clip, { ffmpegPath: path.join(tmp) }); // a directory is not executable
    await rejectsCode(gen.next(), 'ERR_TOOL_MISSING', install);
  });

  test('ffmpeg not on PATH (and EARSHOT_FFMPEG checked)', { timeout: TIMEOUT_MS }, async (t) => {
    const clip = sharedOrSkip(t, 'data/audio/asc-machine-wars.mp3');
    if (!clip) return;
    assert.equal(findFfmpeg({ PATH: '/nonexistent:' + tmp }), null);
    assert.equal(findFfmpeg({ PATH: process.env.PATH, EARSHOT_FFMPEG: path.join(tmp, 'nope') }), null);
    const saved = { PATH: process.env.PATH, EARSHOT_FFMPEG: process.env.EARSHOT_FFMPEG };
    process.env.PATH = '/nonexistent';
    delete process.env.EARSHOT_FFMPEG;
    try {
      await rejectsCode(decodeAudioFile(clip), 'ERR_TOOL_MISSING', /no `ffmpeg` executable is on PATH.*apt-get install ffmpeg/s);
    } finally {
      process.env.PATH = saved.PATH;
      if (saved.EARSHOT_FFMPEG !== undefined) process.env.EARSHOT_FFMPEG = saved.EARSHOT_FFMPEG;
    }
  });
});
