// node:test reporter that prints one closing line with the counts, after the spec reporter's output:
//   "test summary: 170 tests, 170 passed, 0 failed, 0 skipped, 0 todo, 0 cancelled (7.3 s)"
// It reads the runner's own final diagnostics ("tests N", "pass N", ...), so it never counts differently.
export default async function* summary(source) {
  const counts = {};
  for await (const event of source) {
    if (event.type === 'test:diagnostic' && event.data.nesting === 0) {
      const m = /^(tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) ([\d.]+)$/.exec(event.data.message);
      if (m) counts[m[1]] = Number(m[2]);
    }
  }
  const n = (k) => counts[k] ?? 0;
  yield `test summary: ${n('tests')} tests, ${n('pass')} passed, ${n('fail')} failed, ${n('skipped')} skipped, ` +
    `${n('todo')} todo, ${n('cancelled')} cancelled (${(n('duration_ms') / 1000).toFixed(1)} s)\n`;
}
