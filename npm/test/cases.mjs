// The package through `import`, written as for browsers (`await init()`): every bundled
// case gives its expected problems, a broken questionnaire and a bad response throw typed diagnostics.
// Usage: node cases.mjs REPOSITORY_ROOT
import init, { Engine } from 'tianye-core';
import compare from './compare.cjs';

await init();
const { ran, failures } = compare.runCases(Engine, process.argv[2], 'import');
const typed = compare.loadErrorIsTyped(Engine, 'import') &&
  compare.badResponseIsTyped(Engine, process.argv[2], 'import');
process.exitCode = ran >= 33 && failures.length === 0 && typed ? 0 : 1;
