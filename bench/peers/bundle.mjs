// The files each peer's form app makes a browser download first, for the size row of
// `cargo xtask bench --peers` (which gzips them -9 as `cargo xtask size` does Tianye's).
//   node bundle.mjs OUTDIR      prints `file PEER PATH` lines
//
// SurveyJS ships built, minified bundles: survey-core's script and theme, survey-js-ui's
// script. enketo-core ships its sources only (ES modules, SCSS): its form engine and every
// widget (`enketo/widgets`) are bundled here with esbuild (minified, for browsers, with the
// package's own `browser` aliases); its SCSS is not compiled, so Enketo's row is script only.
// ODK Web Forms ships a built ES module that imports Vue: the entry and the chunks it
// imports statically are counted (not those it loads on demand, e.g. the map), with Vue,
// all bundled by esbuild the same way.

import { build } from 'esbuild';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdirSync, writeFileSync } from 'node:fs';

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(process.argv[2] ?? 'bundles');
const modules = join(here, 'node_modules');

for (const f of ['survey-core/survey.core.min.js', 'survey-js-ui/survey-js-ui.min.js', 'survey-core/survey-core.min.css']) {
  console.log(`file surveyjs ${join(modules, f)}`);
}

/** Bundles `source` into OUTDIR/NAME and prints the entry and its static imports. */
async function bundle(name, source) {
  const dir = join(out, name);
  mkdirSync(dir, { recursive: true });
  const entry = join(dir, 'entry.mjs');
  writeFileSync(entry, source);
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outdir: join(dir, 'out'),
    nodePaths: [modules],
    metafile: true,
    logLevel: 'error',
    loader: { '.woff': 'file', '.woff2': 'file', '.ttf': 'file', '.png': 'file', '.svg': 'file', '.gif': 'file' },
    define: { 'process.env.NODE_ENV': '"production"', __VUE_OPTIONS_API__: 'true', __VUE_PROD_DEVTOOLS__: 'false', __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false' },
  });
  const outputs = result.metafile.outputs;
  const key = (p) => relative(process.cwd(), p);
  const first = Object.keys(outputs).find((o) => outputs[o].entryPoint && o.endsWith('.js'));
  const seen = new Set();
  const walk = (o) => {
    if (seen.has(o)) return;
    seen.add(o);
    for (const i of outputs[o].imports) if (i.kind === 'import-statement' && outputs[i.path]) walk(i.path);
    if (outputs[o].cssBundle) seen.add(outputs[o].cssBundle);
  };
  walk(first);
  for (const o of seen) console.log(`file ${name} ${resolve(process.cwd(), o)}`);
  void key;
}

await bundle('enketo', "export { Form } from 'enketo-core';\n");
await bundle('odk', "export * from '@getodk/web-forms';\nexport { createApp } from 'vue';\n");
