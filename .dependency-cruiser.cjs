/**
 * The import graph's rules (dependency-cruiser; checked by test/scripts/import-graph.test.ts, so
 * `npm test` and CI fail on a violation). They write down the architecture of README's "Layout":
 * data flows one way, audio → mel → model → factors → catalogue → events, and each layer imports
 * only the layers before it. By hand: `npx depcruise --config .dependency-cruiser.cjs src trainer`.
 */

/** The library's layers, lowest first: a folder may import its own layer and the ones before it. */
const LAYERS = [
  ['errors', 'io', 'native'], // shared basics: the error type, file formats, the addon's declaration
  ['audio'], // bytes → samples at 22,050 Hz
  ['dsp', 'image'], // samples → log-mel / MFCC; spectrogram pictures
  // The trained bundle, side by side: the network (mel windows → factors, ONNX Runtime) and the songs
  // it knows (factors → songs, tags, fold-in); the bundle loader reads both.
  ['model', 'catalog'],
  ['protocol'], // the wire format: queries, messages, events, error codes (no sockets)
  ['engine'], // streams and uploads → events
  ['server', 'client'], // HTTP/WebSocket on either side of the wire
  ['cli'], // the `earshot` commands
];

const folderOf = (name) => (['errors'].includes(name) ? `^src/${name}\\.ts$` : `^src/${name}/`);

/** One rule per layer: it may not import a later layer. */
const layerRules = LAYERS.flatMap((layer, i) => {
  const later = LAYERS.slice(i + 1).flat();
  if (later.length === 0) return [];
  return [
    {
      name: `layer-${layer.join('-')}`,
      comment: `src/{${layer.join(',')}} comes before ${later.join(', ')} in the data flow and may not import them`,
      severity: 'error',
      from: { path: layer.map(folderOf) },
      to: { path: later.map(folderOf) },
    },
  ];
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'an import cycle: split the shared part into its own module',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...layerRules,
    {
      name: 'engine-catalog-not-server',
      comment: 'the engine and the catalogue know nothing of the server (they throw EarshotError; the server maps it onto the wire)',
      severity: 'error',
      from: { path: ['^src/engine/', '^src/catalog/'] },
      to: { path: '^src/server/' },
    },
    {
      name: 'client-sdk-browser-safe',
      comment: 'the client SDK runs in browsers and plugins: it speaks the protocol, never the server or the engine',
      severity: 'error',
      from: { path: '^src/client/' },
      to: { path: ['^src/server/', '^src/engine/', '^src/catalog/', '^src/model/'] },
    },
    {
      name: 'library-not-trainer',
      comment: 'the engine library (src/) never depends on the trainer, the benchmarks or the tests',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: ['^trainer/', '^bench/', '^test/', '^fuzz/'] },
    },
    {
      name: 'trainer-commands-on-top',
      comment: 'trainer/commands/ are the CLI over the trainer\'s stages: stages never import a command',
      severity: 'error',
      from: { path: '^trainer/', pathNot: ['^trainer/commands/', '^trainer/cli\\.ts$'] },
      to: { path: '^trainer/commands/' },
    },
    {
      name: 'product-not-tests',
      comment: 'the trainer and the host integrations never import tests or benchmarks',
      severity: 'error',
      from: { path: ['^trainer/', '^plugin-host/'] },
      to: { path: ['^test/', '^bench/'] },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'an import that does not resolve to a file',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['^dist/', '^node_modules/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
