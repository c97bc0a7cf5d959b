// The package through `require`: every bundled case gives its expected problems, a
// broken questionnaire and a bad response throw typed diagnostics. Usage: node cases.cjs REPOSITORY_ROOT
'use strict';
const { Engine } = require('tianye-core');
const { runCases, loadErrorIsTyped, badResponseIsTyped } = require('./compare.cjs');

const { ran, failures } = runCases(Engine, process.argv[2], 'require');
const typed = loadErrorIsTyped(Engine, 'require') && badResponseIsTyped(Engine, process.argv[2], 'require');
process.exitCode = ran >= 33 && failures.length === 0 && typed ? 0 : 1;
