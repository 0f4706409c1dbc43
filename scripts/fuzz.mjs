#!/usr/bin/env node
// Coverage-guided fuzzing of earshot's parsers of outside input (fuzz/README.md).
//   npm run fuzz -- <target>|all [--seconds N]     run one target (or every target) for N seconds (default 60)
//   npm run fuzz -- --list                          the targets
// JavaScript targets (fuzz/js/*.fuzz.ts, compiled to dist/fuzz/js) run under jazzer.js; native ones
// (fuzz/native/*.cc) are built with clang++ -fsanitize=fuzzer,address,undefined into build-fuzz/. Each run
// starts from a fresh copy of the committed seeds (fuzz/corpus/<target>/) in tmp/fuzz/<target>/corpus, which
// also collects the new entries; crashing inputs go to tmp/fuzz/<target>/artifacts/. Both are git-ignored.
// Prints executions, execs/s, coverage (libFuzzer's cov/ft), corpus size and findings per target; exits 1
// when any target found a crash (the crashing input's path is printed).
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { targets: TARGETS } = JSON.parse(fs.readFileSync(path.join(ROOT, 'fuzz', 'targets.json'), 'utf8'));
const BUILD = path.join(ROOT, 'build-fuzz');
const WORK = path.join(ROOT, 'tmp', 'fuzz');

const HELP = `usage: npm run fuzz -- <target>|all [--seconds N]
       npm run fuzz -- --list

Runs coverage-guided fuzzing of one target (or all, one after the other) for N seconds each
(default 60), over a fresh copy of the target's seed corpus (fuzz/corpus/<target>/).

  <target>        a name from --list, or "all"
  --seconds N     fuzzing time per target in seconds (default 60)
  --list          print the targets and what each one fuzzes
  --help          this text

JavaScript targets need the TypeScript build (npx tsc -p .; done here when dist/fuzz is missing or
older than fuzz/js); native targets are (re)built with clang++ (libFuzzer, ASan, UBSan) into build-fuzz/.
New corpus entries and crashing inputs go to tmp/fuzz/<target>/ (git-ignored). Exit status 1 when a
target found a crash; its input is printed, and replaying it is:
  JS:     node dist/fuzz/replay.js <target> <file>
  native: build-fuzz/<target> <file>
`;

function parseArgs(argv) {
  const o = { target: null, seconds: 60, list: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') o.help = true;
    else if (a === '--list') o.list = true;
    else if (a === '--seconds' || a.startsWith('--seconds=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      o.seconds = Number(v);
      if (!Number.isInteger(o.seconds) || o.seconds < 1) die(`--seconds must be a positive integer, got ${JSON.stringify(v)}`);
    } else if (a.startsWith('-')) die(`unknown option ${a} (see --help)`);
    else if (o.target === null) o.target = a;
    else die(`one target at a time (or "all"), got ${o.target} and ${a}`);
  }
  return o;
}

function die(message) {
  console.error(`fuzz: ${message}`);
  process.exit(2);
}

function mtime(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return -1;
  }
}

function filesIn(dir, re) {
  try {
    // Recursive: native/ keeps its headers in one folder per stage (dsp/, runtime/, ...).
    return fs.readdirSync(dir, { recursive: true }).filter((f) => re.test(f)).map((f) => path.join(dir, f));
  } catch {
    return [];
  }
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', ...opts });
  if (r.error) die(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) die(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
}

function which(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).stdout.trim() || null;
}

// ---- JavaScript targets: the TypeScript build and jazzer.js ----

function ensureJsBuild(targets) {
  const stale = targets.some((t) => {
    const out = mtime(path.join(ROOT, 'dist', 'fuzz', 'js', `${t.name}.fuzz.js`));
    return out < 0 || filesIn(path.join(ROOT, 'fuzz', 'js'), /\.ts$/).some((f) => mtime(f) > out);
  });
  if (!stale) return;
  console.log('fuzz: compiling TypeScript (npx tsc -p .)');
  run(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.']);
}

function glibcVersion() {
  if (process.platform !== 'linux') return null;
  const v = process.report?.getReport?.().header?.glibcVersionRuntime;
  return typeof v === 'string' ? v.split('.').map(Number) : null;
}

/**
 * @jazzer.js/fuzzer 4.0.0's prebuilt linux-x64 addon was linked against glibc 2.38 and libstdc++ 13
 * (GCC 13): it asks for __isoc23_strtol/__isoc23_strtoul (GLIBC_2.38) and std::ios_base_library_init()
 * (GLIBCXX_3.4.32), which Debian 12 (glibc 2.36, GCC 12) lacks, so dlopen fails. On such systems this
 * copies the addon into build-fuzz/jazzer/, marks those two version needs weak (VER_FLG_WEAK, so the
 * loader tolerates their absence) and preloads a 10-line shim that defines the three functions
 * (fuzz/jazzer-compat/shim.cc); fuzz/jazzer-compat/hook.cjs makes jazzer.js load the copy. node_modules
 * is not modified. Returns the environment for the jazzer process.
 */
function jazzerEnv() {
  const env = { ...process.env };
  const g = glibcVersion();
  const addon = path.join(ROOT, 'node_modules', '@jazzer.js', 'fuzzer', 'prebuilds', `fuzzer-linux-${process.arch}.node`);
  if (!g || process.arch !== 'x64' || g[0] > 2 || (g[0] === 2 && g[1] >= 38) || !fs.existsSync(addon)) return env;
  const dir = path.join(BUILD, 'jazzer');
  fs.mkdirSync(dir, { recursive: true });
  const patched = path.join(dir, path.basename(addon));
  const shim = path.join(dir, 'shim.so');
  const shimSrc = path.join(ROOT, 'fuzz', 'jazzer-compat', 'shim.cc');
  if (mtime(patched) < mtime(addon)) {
    const b = fs.readFileSync(addon);
    const weakened = weakenVersionNeeds(b, new Set(['GLIBC_2.38', 'GLIBCXX_3.4.32']));
    fs.writeFileSync(patched, b);
    console.log(`fuzz: glibc ${g.join('.')}: jazzer.js addon copied to ${path.relative(ROOT, patched)} with weak ${weakened.join(', ')}`);
  }
  if (mtime(shim) < mtime(shimSrc)) {
    const cxx = which('g++') ?? which('clang++') ?? die('no C++ compiler for the jazzer.js glibc shim (install g++)');
    run(cxx, ['-O2', '-shared', '-fPIC', '-o', shim, shimSrc]);
  }
  env.LD_PRELOAD = [shim, env.LD_PRELOAD].filter(Boolean).join(':');
  env.EARSHOT_JAZZER_ADDON = patched;
  env.NODE_OPTIONS = [`--require=${path.join(ROOT, 'fuzz', 'jazzer-compat', 'hook.cjs')}`, env.NODE_OPTIONS].filter(Boolean).join(' ');
  return env;
}

/** Sets VER_FLG_WEAK on the named entries of an ELF64 LE file's .gnu.version_r, in place; returns their names. */
function weakenVersionNeeds(b, names) {
  if (b.readUInt32BE(0) !== 0x7f454c46 || b[4] !== 2 || b[5] !== 1) die('jazzer.js addon is not an ELF64 little-endian file');
  const shoff = Number(b.readBigUInt64LE(0x28));
  const shentsize = b.readUInt16LE(0x3a);
  const shnum = b.readUInt16LE(0x3c);
  const section = (i) => {
    const o = shoff + i * shentsize;
    return { type: b.readUInt32LE(o + 4), offset: Number(b.readBigUInt64LE(o + 0x18)), link: b.readUInt32LE(o + 0x28), info: b.readUInt32LE(o + 0x2c) };
  };
  let verneed = null;
  for (let i = 0; i < shnum; i++) if (section(i).type === 0x6ffffffe) verneed = section(i); // SHT_GNU_verneed
  if (!verneed) die('jazzer.js addon has no .gnu.version_r');
  const strtab = section(verneed.link).offset;
  const cstr = (o) => b.toString('latin1', o, b.indexOf(0, o));
  const done = [];
  let p = verneed.offset;
  for (let n = 0; n < verneed.info; n++) {
    let a = p + b.readUInt32LE(p + 8); // vn_aux
    for (let k = 0; k < b.readUInt16LE(p + 2); k++) {
      const name = cstr(strtab + b.readUInt32LE(a + 8)); // vna_name
      if (names.has(name)) {
        b.writeUInt16LE(b.readUInt16LE(a + 4) | 0x2, a + 4); // vna_flags |= VER_FLG_WEAK
        done.push(name);
      }
      a += b.readUInt32LE(a + 12); // vna_next
    }
    p += b.readUInt32LE(p + 12); // vn_next
  }
  return done;
}

// ---- native targets: clang++ with libFuzzer, ASan and UBSan ----

function clang() {
  return process.env.FUZZ_CXX || which('clang++') || which('clang++-14') || die('clang++ not found (Debian: apt-get install clang libclang-rt-14-dev)');
}

function buildNative(t) {
  const exe = path.join(BUILD, t.name);
  const x64 = process.arch === 'x64';
  const sources = [path.join('fuzz', 'native', `${t.name}.cc`), ...t.sources, ...(x64 ? t.x64Sources ?? [] : [])];
  const inputs = [
    ...sources,
    ...(t.include ?? []).flatMap((d) => filesIn(path.join(ROOT, d), /\.(h|inc)$/).map((f) => path.relative(ROOT, f))),
    'fuzz/targets.json',
    'scripts/fuzz.mjs',
  ];
  const newest = Math.max(...inputs.map((f) => mtime(path.join(ROOT, f))));
  if (mtime(exe) >= newest) return exe;
  const cxx = clang();
  const objDir = path.join(BUILD, 'obj', t.name);
  fs.mkdirSync(objDir, { recursive: true });
  const common = [
    '-g', '-O1', '-std=c++17', '-fno-omit-frame-pointer', '-Wno-psabi', '-fopenmp-simd',
    '-fsanitize=fuzzer,address,undefined', '-fno-sanitize-recover=undefined',
    ...(t.include ?? []).map((d) => `-I${d}`),
    ...(x64 ? t.x64Defines ?? [] : []).map((d) => `-D${d}`),
  ];
  console.log(`fuzz: building ${path.relative(ROOT, exe)} (${sources.length} files, ${path.basename(cxx)} -fsanitize=fuzzer,address,undefined)`);
  const objs = sources.map((src) => {
    const obj = path.join(objDir, `${src.replace(/[/\\]/g, '_')}.o`);
    const extra = (t.x64Sources ?? []).includes(src) ? t.x64Flags ?? [] : [];
    run(cxx, [...common, ...extra, '-c', src, '-o', obj]);
    return obj;
  });
  run(cxx, [...common, '-o', exe, ...objs, '-pthread']);
  return exe;
}

// ---- running and reporting ----

function resetDir(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
}

function seedCorpus(t, corpus) {
  resetDir(corpus);
  // The committed seeds and the inputs of earlier findings (fuzz/regressions/<target>/, fixed since).
  const seeds = filesIn(path.join(ROOT, 'fuzz', 'corpus', t.name), /^[^.]/);
  const regressions = filesIn(path.join(ROOT, 'fuzz', 'regressions', t.name), /^[^.]/);
  for (const s of seeds) fs.copyFileSync(s, path.join(corpus, path.basename(s)));
  for (const s of regressions) fs.copyFileSync(s, path.join(corpus, `regression-${path.basename(s)}`));
  return seeds.length + regressions.length;
}

function parseStats(log) {
  const num = (re) => {
    const m = re.exec(log);
    return m ? Number(m[1]) : null;
  };
  const lines = [...log.matchAll(/^#(\d+)\s+\S+\s+cov: (\d+) ft: (\d+) corp: (\d+)\/(\d+)(b|Kb|Mb)/gm)];
  const last = lines[lines.length - 1];
  const unit = { b: 1, Kb: 1024, Mb: 1024 * 1024 };
  return {
    execs: num(/stat::number_of_executed_units:\s*(\d+)/) ?? (last ? Number(last[1]) : null),
    execsPerS: num(/stat::average_exec_per_sec:\s*(\d+)/),
    cov: last ? Number(last[2]) : null,
    ft: last ? Number(last[3]) : null,
    corpus: last ? Number(last[4]) : null,
    corpusBytes: last ? Number(last[5]) * unit[last[6]] : null,
    seconds: num(/^Done \d+ runs in (\d+) second/m),
  };
}

async function fuzzTarget(t, seconds) {
  const work = path.join(WORK, t.name);
  const corpus = path.join(work, 'corpus');
  const artifacts = path.join(work, 'artifacts');
  const seeds = seedCorpus(t, corpus);
  resetDir(artifacts);
  const libFuzzerArgs = [
    `-max_total_time=${seconds}`,
    '-print_final_stats=1',
    `-artifact_prefix=${artifacts}${path.sep}`,
    `-max_len=${t.maxLen ?? 4096}`,
    '-timeout=25',
    '-rss_limit_mb=2560',
  ];
  let cmd;
  let env;
  if (t.kind === 'native') {
    cmd = [buildNative(t), ...libFuzzerArgs, corpus];
    env = { ...process.env, UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1', ASAN_OPTIONS: 'abort_on_error=0:detect_leaks=1' };
  } else {
    const module = path.join(ROOT, 'dist', 'fuzz', 'js', `${t.name}.fuzz.js`);
    const jazzer = path.join(ROOT, 'node_modules', '@jazzer.js', 'core', 'dist', 'cli.js');
    if (!fs.existsSync(jazzer)) die('@jazzer.js/core is not installed (npm ci)');
    cmd = [process.execPath, jazzer, module, corpus, ...(t.async ? [] : ['--sync']), '--timeout', '25000',
      '-i', `dist${path.sep}src${path.sep}`, '-i', `dist${path.sep}trainer${path.sep}`, '-i', `dist${path.sep}fuzz${path.sep}`,
      '--', ...libFuzzerArgs];
    env = jazzerEnv();
  }
  if (which('nice')) cmd = ['nice', '-n', '10', ...cmd];
  const logFile = path.join(work, 'fuzz.log');
  console.log(`fuzz: ${t.name}: ${seconds} s from ${seeds} seeds (log: ${path.relative(ROOT, logFile)})`);
  const started = Date.now();
  const code = await new Promise((resolve) => {
    const log = fs.openSync(logFile, 'w');
    const child = spawn(cmd[0], cmd.slice(1), { cwd: ROOT, env, stdio: ['ignore', log, log] });
    const guard = setTimeout(() => child.kill('SIGKILL'), (seconds + 180) * 1000);
    const stop = () => child.kill('SIGINT');
    process.once('SIGINT', stop);
    child.on('error', (err) => {
      console.error(`fuzz: ${t.name}: ${err.message}`);
      resolve(-1);
    });
    child.on('close', (c, signal) => {
      clearTimeout(guard);
      process.removeListener('SIGINT', stop);
      fs.closeSync(log);
      resolve(c ?? (signal ? 128 : -1));
    });
  });
  const log = fs.readFileSync(logFile, 'utf8');
  const stats = parseStats(log);
  const crashes = filesIn(artifacts, /^(crash|leak|timeout|oom|slow-unit)-/);
  const written = [...log.matchAll(/Test unit written to (\S+)/g)].map((m) => m[1]);
  const found = [...new Set([...written, ...crashes])];
  const finding = code !== 0 || found.length > 0;
  const r = { target: t, code, stats, finding, found, wall: (Date.now() - started) / 1000, log: logFile };
  report(r);
  if (finding) {
    console.log(`fuzz: ${t.name}: the end of ${path.relative(ROOT, logFile)}:`);
    console.log(log.split('\n').slice(-40).join('\n'));
  }
  return r;
}

const fmt = (v) => (v === null || v === undefined ? '?' : v.toLocaleString('en-US'));

function report(r) {
  const s = r.stats;
  const what = r.finding ? `FINDING (exit ${r.code})${r.found.length ? `: ${r.found.map((f) => path.relative(ROOT, f)).join(', ')}` : ''}` : 'no crash';
  console.log(
    `fuzz: ${r.target.name}: ${fmt(s.execs)} executions, ${fmt(s.execsPerS)} execs/s, cov ${fmt(s.cov)} ft ${fmt(s.ft)}, ` +
      `corpus ${fmt(s.corpus)} entries (${fmt(s.corpusBytes)} bytes), ${what}`,
  );
}

function table(results) {
  const rows = [['target', 'kind', 'executions', 'execs/s', 'cov', 'ft', 'corpus', 'findings']];
  for (const r of results) {
    const s = r.stats;
    rows.push([r.target.name, r.target.kind, fmt(s.execs), fmt(s.execsPerS), fmt(s.cov), fmt(s.ft), `${fmt(s.corpus)} (${fmt(s.corpusBytes)} B)`, r.finding ? `CRASH ${r.found.map((f) => path.relative(ROOT, f)).join(' ')}` : 'none']);
  }
  const w = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  for (const row of rows) console.log(row.map((cell, c) => cell.padEnd(w[c])).join('  ').trimEnd());
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.help) return void process.stdout.write(HELP);
  if (o.list) {
    const w = Math.max(...TARGETS.map((t) => t.name.length));
    for (const t of TARGETS) console.log(`${t.name.padEnd(w)}  ${t.kind.padEnd(6)}  ${t.parser}`);
    return;
  }
  if (o.target === null) die('which target? (a name from --list, or "all"; see --help)');
  const chosen = o.target === 'all' ? TARGETS : TARGETS.filter((t) => t.name === o.target);
  if (chosen.length === 0) die(`unknown target ${JSON.stringify(o.target)}; --list shows them`);
  if (chosen.some((t) => t.kind === 'js')) ensureJsBuild(chosen.filter((t) => t.kind === 'js'));
  for (const t of chosen) if (t.kind === 'native') buildNative(t);
  const results = [];
  for (const t of chosen) results.push(await fuzzTarget(t, o.seconds));
  if (results.length > 1) {
    console.log(`\nfuzz: ${results.length} targets, ${o.seconds} s each:`);
    table(results);
  }
  process.exitCode = results.some((r) => r.finding) ? 1 : 0;
}

await main();
