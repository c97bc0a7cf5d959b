// The package through `import`, written as for browsers (`await init()`): every bundled
// case gives its expected problems and the native engine's evaluation, from the
// questionnaire's JSON and (`tianye-core/xlsform`) from its XLSForm workbook; a broken
// questionnaire, a broken workbook and a bad response throw typed findings.
// Usage: node cases.mjs REPOSITORY_ROOT
import init, { Engine } from 'tianye-core';
import initXlsform, { Engine as XlsformEngine } from 'tianye-core/xlsform';
import compare from './compare.cjs';

await init();
await initXlsform();
const root = process.argv[2];
const json = compare.runJsonCases(Engine, root, 'import');
const fromWorkbook = compare.runXlsformCases(XlsformEngine, root, 'import xlsform');
const typed = compare.loadErrorIsTyped(Engine, 'import') && compare.badResponseIsTyped(Engine, root, 'import') &&
  compare.xlsformErrorIsTyped(XlsformEngine, root, 'import xlsform');
const passed = json.ran >= 33 && json.failures.length === 0 && fromWorkbook.ran === json.ran &&
  fromWorkbook.failures.length === 0 && typed;
process.exitCode = passed ? 0 : 1;
