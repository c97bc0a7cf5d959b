// Node's `import`: the browsers' glue, given the module's bytes from disk, so the engine
// is ready on import. `init` stays so code written for browsers runs unchanged.
import { readFileSync } from 'node:fs';
import { initSync } from './tianye_core.js';

initSync({ module: readFileSync(new URL('./tianye_core_bg.wasm', import.meta.url)) });

export { Engine, initSync } from './tianye_core.js';

export default async function init() {}
