// Node's `require`: the browsers' glue as CommonJS (tianye_core.cjs, converted by
// `cargo xtask npm`), given the module's bytes from disk, so the engine is ready on require.
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const glue = require('./tianye_core.cjs');

glue.initSync({ module: readFileSync(join(__dirname, 'tianye_core_bg.wasm')) });

exports.Engine = glue.Engine;
exports.initSync = glue.initSync;
exports.default = async function init() {};
