// Node's `require` of `tianye-core/xlsform`: the XLSForm module's glue as CommonJS
// (tianye_core_xlsform.cjs, converted by `cargo xtask npm`), given the module's bytes
// from disk, so the engine is ready on require (as node.cjs for the default entry).
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const glue = require('./tianye_core_xlsform.cjs');

glue.initSync({ module: readFileSync(join(__dirname, 'tianye_core_xlsform_bg.wasm')) });

exports.Engine = glue.Engine;
exports.initSync = glue.initSync;
exports.default = async function init() {};
