// The package through `require`: every bundled case gives its expected problems and the
// native engine's evaluation, from the questionnaire's JSON and (`tianye-core/xlsform`)
// from its XLSForm workbook; a broken questionnaire, a broken workbook and a bad response
// throw typed findings. Usage: node cases.cjs REPOSITORY_ROOT
'use strict';
const { Engine } = require('tianye-core');
const xlsform = require('tianye-core/xlsform');
const compare = require('./compare.cjs');

const root = process.argv[2];
const json = compare.runJsonCases(Engine, root, 'require');
const fromWorkbook = compare.runXlsformCases(xlsform.Engine, root, 'require xlsform');
const typed = compare.loadErrorIsTyped(Engine, 'require') && compare.badResponseIsTyped(Engine, root, 'require') &&
  compare.xlsformErrorIsTyped(xlsform.Engine, root, 'require xlsform');
const passed = json.ran >= 33 && json.failures.length === 0 && fromWorkbook.ran === json.ran &&
  fromWorkbook.failures.length === 0 && typed;
process.exitCode = passed ? 0 : 1;
