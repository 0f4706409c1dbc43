#!/usr/bin/env node
// Writes the hand-made seed corpora fuzz/corpus/<target>/ (committed; rerun only to change them):
// node fuzz/make-seeds.mjs. Every seed is small and valid or nearly so; the fuzzer mutates from there.
// Each JavaScript target's first byte is a selector where its harness says so (see fuzz/js/*.fuzz.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const CORPUS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'corpus');
const seeds = {};
const put = (target, name, bytes) => ((seeds[target] ??= {})[name] = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes));

// ---- wav ----
const u16 = (v) => { const b = Buffer.alloc(2); b.writeUInt16LE(v); return b; };
const u32 = (v) => { const b = Buffer.alloc(4); b.writeUInt32LE(v >>> 0); return b; };
const chunk = (id, body, size = body.length) => Buffer.concat([Buffer.from(id, 'latin1'), u32(size), body, body.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0)]);
const fmt = (tag, ch, rate, bits) => Buffer.concat([u16(tag), u16(ch), u32(rate), u32(rate * ch * (bits / 8)), u16(ch * (bits / 8)), u16(bits)]);
const riff = (chunks, magic = 'RIFF') => { const body = Buffer.concat([Buffer.from('WAVE'), ...chunks]); return Buffer.concat([Buffer.from(magic), u32(body.length), body]); };
const ramp = (n, bytes) => Buffer.from(Array.from({ length: n * bytes }, (_, i) => (i * 37 + 11) & 0xff));
put('wav', 'pcm16-stereo.wav', riff([chunk('fmt ', fmt(1, 2, 44100, 16)), chunk('data', ramp(8, 4))]));
put('wav', 'u8-mono-odd.wav', riff([chunk('fmt ', fmt(1, 1, 8000, 8)), chunk('data', ramp(5, 1)), chunk('LIST', Buffer.from('INFOISFT'))]));
put('wav', 's24-mono-junk.wav', riff([chunk('junk', Buffer.from('xyz')), chunk('fmt ', fmt(1, 1, 48000, 24)), chunk('data', ramp(3, 3))]));
put('wav', 's32-mono.wav', riff([chunk('fmt ', fmt(1, 1, 22050, 32)), chunk('data', ramp(3, 4))]));
const f32 = Buffer.alloc(16); [0, 0.5, -0.25, 1].forEach((v, i) => f32.writeFloatLE(v, 4 * i));
put('wav', 'f32-mono.wav', riff([chunk('fmt ', fmt(3, 1, 16000, 32)), chunk('data', f32)]));
const f64 = Buffer.alloc(32); [0.125, -0.5, 0.75, -1].forEach((v, i) => f64.writeDoubleLE(v, 8 * i));
put('wav', 'f64-stereo.wav', riff([chunk('fmt ', fmt(3, 2, 96000, 64)), chunk('data', f64)]));
const ext = Buffer.concat([fmt(0xfffe, 2, 48000, 16), u16(22), u16(16), u32(3), u16(1), Buffer.from([0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71])]);
put('wav', 'extensible-pcm16.wav', riff([chunk('fmt ', ext), chunk('data', ramp(4, 4))]));
const ds64 = Buffer.concat([u32(0), u32(0), u32(16), u32(0), u32(4), u32(0), u32(0)]); // riffSize, dataSize = 16, sampleCount, table length
put('wav', 'rf64-ds64.wav', Buffer.concat([Buffer.from('RF64'), u32(0xffffffff), Buffer.from('WAVE'), chunk('ds64', ds64), chunk('fmt ', fmt(1, 2, 44100, 16)), chunk('data', ramp(4, 4), 0xffffffff)]));
put('wav', 'rf64-ds64-16.wav', Buffer.concat([Buffer.from('RF64'), u32(0xffffffff), Buffer.from('WAVE'), chunk('ds64', Buffer.concat([u32(0), u32(0), u32(8), u32(0)])), chunk('fmt ', fmt(1, 1, 8000, 16)), chunk('data', ramp(4, 2), 0xffffffff)]));
put('wav', 'pipe-size-unknown.wav', Buffer.concat([Buffer.from('RIFF'), u32(0xffffffff), Buffer.from('WAVE'), chunk('fmt ', fmt(1, 1, 44100, 16)), Buffer.from('data'), u32(0xffffffff), ramp(6, 2)]));

// ---- protocol-message ----
const pm = {
  'configure.json': { type: 'configure', hop: 0.5, k: 20, tags: 3, factors: true },
  'configure-history.json': { type: 'configure', history: ['SO1', { id: 'SO2', plays: 3 }, { id: 'SO3' }] },
  'configure-mean.json': { type: 'configure', mean: 'sliding', mean_s: 12.5, segment: 'auto' },
  'reset.json': { type: 'reset', track: 'SOAAAAA12A8C13A1B2' },
  'reset-bare.json': { type: 'reset' },
  'finalize.json': { type: 'finalize' },
  'keepalive.json': { type: 'keepalive' },
  'close.json': { type: 'close' },
  'unknown.json': { type: 'hello', x: [1, 2, { y: null }] },
};
for (const [name, m] of Object.entries(pm)) put('protocol-message', name, JSON.stringify(m));
put('protocol-message', 'not-json.txt', '{"type": "configure", "k": 1e3');

// ---- stream-query ----
put('stream-query', 'f32-48k.txt', 'encoding=pcm_f32le&sample_rate=48000&channels=2&hop=0.5&k=20&factors=1&tags=3&overflow=block');
put('stream-query', 's16-mono.txt', 'encoding=pcm_s16le&sample_rate=16000');
put('stream-query', 'token.txt', 'sample_rate=44100&token=abc%20def&factors=true&overflow=drop');
put('stream-query', 'bad-rate.txt', 'sample_rate=7999&channels=9&hop=61');
put('stream-query', 'mean-segment.txt', 'sample_rate=44100&mean=decay&mean_s=7.5&segment=auto');

// ---- pcm-decoder (byte 0: bit 0 = s16, bits 1-3 = channels - 1) ----
const f32s = (vals) => { const b = Buffer.alloc(vals.length * 4); vals.forEach((v, i) => b.writeFloatLE(v, 4 * i)); return b; };
const s16s = (vals) => { const b = Buffer.alloc(vals.length * 2); vals.forEach((v, i) => b.writeInt16LE(v, 2 * i)); return b; };
put('pcm-decoder', 'f32-mono', Buffer.concat([Buffer.from([0]), f32s([0, 0.5, -0.5, 1, -1, 0.25, 15.5, -16])]));
put('pcm-decoder', 'f32-stereo-nan', Buffer.concat([Buffer.from([2]), f32s([0.1, 0.2, NaN, 0.3, 17, 0.4])]));
put('pcm-decoder', 's16-stereo', Buffer.concat([Buffer.from([3]), s16s([0, 1, -1, 32767, -32768, 1000, 2000, -3000, 7])]));
put('pcm-decoder', 's16-8ch', Buffer.concat([Buffer.from([15]), s16s(Array.from({ length: 20 }, (_, i) => i * 1111 - 11000))]));

// ---- triplets, triplets-stream (byte 0: bit 0 = hetrec, bits 1-6 = maxLineBytes - 32) ----
const trip = 'b80344d063b5ccb3212f76538f3d9e43d87dca25\tSOAKIMP12A8C130995\t1\nb80344d063b5ccb3212f76538f3d9e43d87dca25\tSOAPDEY12A81C210A9\t2\n85c1f87fea955d09b4bec2e36aee110927aedf9a\tSOBONKR12A58A7A7E0\t0\n';
put('triplets', 'triplets.txt', Buffer.concat([Buffer.from([0x7e]), Buffer.from(trip)]));
put('triplets', 'triplets-crlf-bom.txt', Buffer.concat([Buffer.from([0xfe, 0xef, 0xbb, 0xbf]), Buffer.from('u1\ti1\t3\r\n\r\nu2\ti1\t1.5\r\nu1\ti2\t2e1')]));
put('triplets', 'hetrec.dat', Buffer.concat([Buffer.from([0x7f]), Buffer.from('userID\tartistID\tweight\n2\t51\t13883\n2\t52\t11690\n3\t51\t0\n')]));
put('triplets', 'counts-odd.txt', Buffer.concat([Buffer.from([0x40]), Buffer.from('u\ti\t+7\nu\tj\t.5\nu\tk\t1234567890123456789\nu\tl\t3.4e38\n')]));
put('triplets', 'bad-line.txt', Buffer.concat([Buffer.from([0x00]), Buffer.from('u1\ti1\t1\nu2\ti2\n')]));
put('triplets', 'header-like.txt', Buffer.concat([Buffer.from([0x10]), Buffer.from('user\tsong\tplays\nu1\ts1\t4\n')]));
// triplets-stream: the same selector byte
put('triplets-stream', 'plain.txt', Buffer.concat([Buffer.from([0x7e]), Buffer.from(trip)]));
put('triplets-stream', 'gzip.txt.gz', Buffer.concat([Buffer.from([0x7e]), zlib.gzipSync(Buffer.from('u1\ti1\t1\r\nu2\ti2\t2\n'))]));
put('triplets-stream', 'gzip-hetrec.dat.gz', Buffer.concat([Buffer.from([0x7f]), zlib.gzipSync(Buffer.from('userID\tartistID\tweight\n2\t51\t13883\n'))]));
put('triplets-stream', 'gzip-truncated.gz', Buffer.concat([Buffer.from([0x7e]), zlib.gzipSync(Buffer.from('u1\ti1\t1\n')).subarray(0, 20)]));

// ---- plays-columns (byte 0: bit 0 = auto, else columns; bits 1-6 = maxLineBytes - 32) ----
const plays = (selector, text) => Buffer.concat([Buffer.from([selector]), Buffer.from(text)]);
put('plays-columns', 'reordered-bom-crlf.tsv', plays(0x7e, '\ufefftimestamp\tplays\tsong_id\tuser_id\r\n1600000000\t3\tSOAK\tu1\r\n1600000001\t0\tSOB\tu2\r\n\r\n1600000002\t2e1\tSOAK\tu2\r\n'));
put('plays-columns', 'quoted.csv', plays(0x7e, 'user,artist_name,track,count\n"u,1",A,"say ""hi""",2\nu2,"Artist, B",t2,1.5\n"u,1",A,t2,007\n'));
put('plays-columns', 'semicolon-auto.ssv', plays(0x7f, 'Play Count;User ID;Track-Id;Artist ID\n7;u1;"semi;colon";x\n.5;u2;t;y\n+4;u1;t;z'));
put('plays-columns', 'hetrec-auto.dat', plays(0x7f, 'userID\tartistID\tweight\n2\t51\t13883\n2\t52\t0\n'));
put('plays-columns', 'triplets-auto.txt', plays(0x7f, 'u1\ts1\t3\nu2\ts2\t0\nu1\ts2\t1234567890123456789\n'));
put('plays-columns', 'bad-lines.csv', plays(0x00, 'user,song,plays\nu,s,1\nu,"s,1\nu,s,-2\n'));
put('plays-columns', 'no-count-column.csv', plays(0x00, 'user,song\nu,s\n'));
put('plays-columns', 'header-only.ssv', plays(0x01, 'user;song;count\r\n'));

// ---- songs-tsv ----
const head = 'id\tartist\ttitle\tstyle\ttempo_bpm\tkey\tmode\tinstruments\tmoods\n';
put('songs-tsv', 'songs.tsv', head + 'S0001\tThe Rusty Meadows\tCanyon of Gardens\trock\t120\tE\tminor\tdrums,bass,guitar\tenergetic,dark\nS0002\tLuna\tNight\tambient\t72.5\tC\tmajor\t\tcalm\n');
put('songs-tsv', 'songs-crlf-bom.tsv', '\ufeff' + head.replace('\n', '\r\n') + 'S1\ta\tb\tjazz\t1e2\tF#\tmajor\tpiano , sax\t\r\n\r\n');
put('songs-tsv', 'songs-bad.tsv', head + 'S1\ta\tb\tjazz\t0\tF\tmajor\t\t\n../x\ta\tb\tpop\t90\tC\tmajor\t\t\n');

// ---- songs-file (earshot-train model --songs) ----
const songsFiles = {
  'shuffled-columns.tsv': 'Tags\tgenre\tID\turi\tPath\ttitle\tARTIST\nrock, jazz,,rock\tx\ts1\thttps://example.com/t/1\tsub/1.ogg\tTitle\tBj\u00f6rk\n\t\ts2\tC:\\music\\x.mp3\t\t\t\n',
  'bom-crlf-blank.tsv': '\ufeffid\tpath\r\ns1\t/abs/1.flac\r\n\r\ns2:live\t\r\n',
  'id-only.tsv': 'id\nA\nB',
  'bad-lines.tsv': 'id\ttitle\turi\ns1\tA\t\ns1\tB\t\ns2\tC\tjavascript:alert(1)\n',
  'no-id.csv': 'song,path\nx,y\n',
  'header-only.tsv': 'id\tpath\n',
};
for (const [name, text] of Object.entries(songsFiles)) put('songs-file', name, text);

// ---- npy (numpy.save layout) ----
function npy(descr, shape, data, { fortran = false, major = 1 } = {}) {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  const lenBytes = major === 1 ? 2 : 4;
  const pad = 64 - ((6 + 2 + lenBytes + dict.length + 1) % 64);
  dict += ' '.repeat(pad % 64) + '\n';
  const pre = Buffer.alloc(8 + lenBytes);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]).copy(pre);
  if (lenBytes === 2) pre.writeUInt16LE(dict.length, 8);
  else pre.writeUInt32LE(dict.length, 8);
  return Buffer.concat([pre, Buffer.from(dict, 'latin1'), data]);
}
put('npy', 'f4-2x3.npy', npy('<f4', [2, 3], f32s([1, 2, 3, -4, 0.5, 1e-3])));
put('npy', 'f8-3.npy', npy('<f8', [3], f64.subarray(0, 24)));
const i4 = Buffer.alloc(16); [0, 3, 7, -1].forEach((v, i) => i4.writeInt32LE(v, 4 * i));
put('npy', 'i4-2x2-fortran.npy', npy('<i4', [2, 2], i4, { fortran: true }));
put('npy', 'f2-4.npy', npy('<f2', [4], Buffer.from([0x00, 0x3c, 0x00, 0xc0, 0x00, 0x7c, 0x01, 0x7e])));
put('npy', 'f4-scalar-v2.npy', npy('<f4', [], f32s([42]), { major: 2 }));
put('npy', 'f4-0x5-v3.npy', npy('<f4', [0, 5], Buffer.alloc(0), { major: 3 }));

// ---- bundle-manifest (byte 0: bit 0 = tags.json with F = 1 + bits 1-3; else manifest.json) ----
const manifest = {
  format: 'earshot-bundle', version: 1, factors: 4, windowFrames: 130,
  mel: { sampleRateHz: 22050, nFft: 1024, hopSamples: 512, nMels: 128, fminHz: 0, fmaxHz: 11025, htk: false, slaneyNorm: true, center: true, log: 'db', aminPower: 1e-10, refPower: 1, topDb: -1, log1pScale: 1 },
  objective: 'mse', net: { input: { kind: 'mel', bands: 128 } }, items: 2, tags: ['rock'],
  training: { playsSha256: '0'.repeat(64), source: 'plays.tsv', songs: 2, users: 3 }, metrics: {}, command: 'earshot-train fit',
  files: { model: 'model.onnx', itemFactors: 'item_factors.npy', items: 'items.tsv', tags: 'tags.json' },
};
put('bundle-manifest', 'manifest.json', Buffer.concat([Buffer.from([0]), Buffer.from(JSON.stringify(manifest))]));
put('bundle-manifest', 'manifest-revision.json', Buffer.concat([Buffer.from([0]), Buffer.from(JSON.stringify({ ...manifest, catalogRevision: 3, files: { ...manifest.files, itemFactors: 'item_factors.r3.npy', items: 'sub/items.r3.tsv', tags: null } }))]));
put('bundle-manifest', 'manifest-outside.json', Buffer.concat([Buffer.from([0]), Buffer.from(JSON.stringify({ ...manifest, files: { ...manifest.files, model: '../model.onnx' } }))]));
put('bundle-manifest', 'tags.json', Buffer.concat([Buffer.from([1 | (3 << 1)]), Buffer.from(JSON.stringify({ factors: 4, tags: [{ tag: 'rock', weights: [0.1, -0.2, 0.3, 0], intercept: -1, auc: 0.8 }] }))]));

// ---- onnx-header (protobuf ModelProto: ir_version, producer_name, opset_import, metadata_props, graph) ----
const varint = (v) => { const o = []; do { o.push((v & 0x7f) | (v > 0x7f ? 0x80 : 0)); v = Math.floor(v / 128); } while (v > 0); return o; };
const field = (no, body) => [...varint(no * 8 + 2), ...varint(body.length), ...body];
const str = (s) => [...Buffer.from(s)];
const onnx = (ir, extra = []) => Buffer.from([...varint(8), ...varint(ir), ...field(2, str('earshot')), ...field(8, [...field(1, str('')), 16, 17]), ...field(14, [...field(1, str('earshot.min_frames')), ...field(2, str('16'))]), ...extra, ...field(7, [...field(1, [8, 1]), ...field(2, str('g'))])]);
put('onnx-header', 'model.onnx', onnx(8));
put('onnx-header', 'model-fixed-fields.onnx', onnx(9, [0x29, 1, 2, 3, 4, 5, 6, 7, 8, 0x35, 1, 2, 3, 4, 0x50, 0x96, 0x01]));
put('onnx-header', 'truncated.onnx', onnx(7).subarray(0, 30));

// ---- native: lv2-ws-frame (byte 0 = size limit / 67, byte 1 = chunking seed, byte 2 = round-trip opcode/mask) ----
const frame = (fin, op, payload) => Buffer.concat([Buffer.from([(fin ? 0x80 : 0) | op]), payload.length < 126 ? Buffer.from([payload.length]) : Buffer.from([126, payload.length >> 8, payload.length & 0xff]), payload]);
const text = (s) => Buffer.from(s);
put('lv2-ws-frame', 'text-and-ping', Buffer.concat([Buffer.from([10, 3, 0]), frame(1, 1, text('{"type":"begin"}')), frame(1, 9, text('hi')), frame(1, 2, Buffer.alloc(200, 7))]));
put('lv2-ws-frame', 'fragmented', Buffer.concat([Buffer.from([1, 200, 1]), frame(0, 1, text('{"type":')), frame(1, 10, Buffer.alloc(0)), frame(0, 0, text('"window"')), frame(1, 0, text('}'))]));
put('lv2-ws-frame', 'close', Buffer.concat([Buffer.from([3, 9, 2]), frame(1, 8, Buffer.concat([Buffer.from([0x03, 0xe8]), text('bye')]))]));
put('lv2-ws-frame', 'len64', Buffer.concat([Buffer.from([255, 1, 3]), Buffer.from([0x82, 127, 0, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3])]));

// ---- native: lv2-json ----
put('lv2-json', 'begin.json', '{"type":"begin","protocol":1,"id":"s1","model":"default","factors":50,"items":1000,"window_s":2.97,"hop_s":1,"sample_rate":48000,"encoding":"pcm_f32le","channels":2,"k":10}');
put('lv2-json', 'window.json', '{"type":"window","seq":3,"t_start":0.5,"t_end":4.2,"windows":4,"dropped":0,"suggestions":[{"id":"SO1","title":"T","artist":"A","score":0.93}],"tags":[{"tag":"rock","p":0.91}],"factors":[0.1,-2e-3,1E+2]}');
put('lv2-json', 'error.json', '{"type":"error","code":"bad_audio","message":"NaN \\u00e9\\ud83c\\udfb5 here","retryable":true}');
put('lv2-json', 'nested.json', '[[[{"a":[true,false,null,-0,0.5e-10]}]],"\\"\\\\\\/\\b\\f\\n\\r\\t"]');

// ---- native: lv2-handshake (byte 0: bit 0 = URL, else the server's answer) ----
put('lv2-handshake', 'answer-101', '\0HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n');
put('lv2-handshake', 'answer-401', '\0HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n');
put('lv2-handshake', 'url', '\x01ws://127.0.0.1:8080/v1/stream?sample_rate=48000');
put('lv2-handshake', 'url-ipv6', '\x01ws://[::1]:9/x');

// ---- native: mel (11 configuration bytes, a chunking byte, then int16 samples) ----
const melSamples = s16s(Array.from({ length: 700 }, (_, i) => Math.round(12000 * Math.sin(i * 0.07) + 3000 * Math.sin(i * 0.9))));
put('mel', 'db-center-128', Buffer.concat([Buffer.from([0x01 | 0x04 | 0x10, 0, 39, 128, 0, 3, 0, 0, 0, 15, 5]), melSamples]));
put('mel', 'power-nocenter-htk', Buffer.concat([Buffer.from([0x00 | 0x08, 1, 12, 64, 0, 0, 20, 200, 0, 3, 9]), melSamples]));
put('mel', 'log1p-generic-topdb', Buffer.concat([Buffer.from([0x02 | 0x04 | 0x20, 2, 80, 255, 0, 4, 0, 0, 81, 7, 1]), melSamples]));
put('mel', 'db-topdb', Buffer.concat([Buffer.from([0x01 | 0x04 | 0x10, 0, 20, 128, 0, 2, 0, 0, 161, 15, 2]), melSamples.subarray(0, 600)]));
put('mel', 'raw-invalid', Buffer.concat([Buffer.from([0x40, 100, 0, 5, 3, 0x81, 0x44, 0xac, 0, 0, 0, 0, 0]), melSamples.subarray(0, 64)]));

// ---- native: resampler (selector: bits 0-2 in rate, 3-5 out rate, 6 = options from bytes 1-4, 7 = raw rates) ----
const rs = s16s(Array.from({ length: 900 }, (_, i) => Math.round(20000 * Math.sin(i * 0.05))));
put('resampler', '44k1-to-22k05', Buffer.concat([Buffer.from([5 | (3 << 3), 0, 0, 0, 0, 7]), rs]));
put('resampler', '48k-to-44k1-options', Buffer.concat([Buffer.from([6 | (5 << 3) | 0x40, 128, 200, 8, 3, 11]), rs]));
put('resampler', '8k-to-96k', Buffer.concat([Buffer.from([0 | (7 << 3), 0, 0, 0, 0, 2]), rs.subarray(0, 400)]));
put('resampler', 'raw-rates', Buffer.concat([Buffer.from([0x80, 0x45, 0xac, 0, 0, 0x81, 0xbb, 0, 0, 0, 0, 0, 0, 13]), rs.subarray(0, 600)]));
put('resampler', 'identity', Buffer.concat([Buffer.from([4 | (4 << 3), 0, 0, 0, 0, 1]), rs.subarray(0, 100)]));

let total = 0;
for (const [target, files] of Object.entries(seeds)) {
  const dir = path.join(CORPUS, target);
  fs.mkdirSync(dir, { recursive: true });
  // Seeds written here are replaced; files named regression-* are inputs kept from fuzz findings
  // (committed by hand, not generated here) and stay.
  for (const old of fs.readdirSync(dir)) if (!old.startsWith('regression-') && !(old in files)) fs.rmSync(path.join(dir, old), { force: true });
  for (const [name, bytes] of Object.entries(files)) {
    fs.writeFileSync(path.join(dir, name), bytes);
    total += bytes.length;
  }
}
console.log(`${Object.keys(seeds).length} corpora, ${Object.values(seeds).reduce((n, f) => n + Object.keys(f).length, 0)} seeds, ${total} bytes`);
