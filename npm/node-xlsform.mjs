// Node's `import` of `tianye-core/xlsform`: the XLSForm module's browser glue, given the
// module's bytes from disk, so the engine is ready on import (as node.mjs for the default entry).
import { readFileSync } from 'node:fs';
import { initSync } from './tianye_core_xlsform.js';

initSync({ module: readFileSync(new URL('./tianye_core_xlsform_bg.wasm', import.meta.url)) });

export { Engine, initSync } from './tianye_core_xlsform.js';

export default async function init() {}
