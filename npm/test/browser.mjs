// The page of the browser run: bundled by esbuild for the browser from the installed
// package (so a bundler resolves `tianye-core` and `tianye-core/xlsform` to the browsers'
// glue), it fetches each .wasm beside itself, validates and evaluates every case in
// cases.json from the questionnaire's JSON and from its XLSForm workbook, and writes the
// verdicts into <pre id="verdict"> for the driver (browser-run.mjs) to read.
import init, { Engine } from 'tianye-core';
import initXlsform, { Engine as XlsformEngine } from 'tianye-core/xlsform';
import { caseDifferences } from './verdict.cjs';

const verdict = document.getElementById('verdict');

async function run(label, bundled, native, load) {
  const failures = [];
  let ran = 0;
  for (const questionnaire of bundled) {
    const engine = await load(questionnaire);
    for (const { file, case: kase } of questionnaire.cases) {
      ran += 1;
      const where = `${questionnaire.dir}/cases/${file}`;
      failures.push(...caseDifferences(engine, kase, native[where], 'zh').map((d) => `${where}: ${d}`));
    }
  }
  return `${label}: ${ran} cases, ${failures.length} mismatches\n${failures.join('\n')}`;
}

try {
  await init({ module_or_path: new URL('./tianye_core_bg.wasm', import.meta.url) });
  await initXlsform({ module_or_path: new URL('./tianye_core_xlsform_bg.wasm', import.meta.url) });
  const bundled = await (await fetch('./cases.json')).json();
  const native = await (await fetch('./evaluations.json')).json();
  const json = await run('browser', bundled, native, async ({ form }) => new Engine(form));
  const workbook = await run('browser xlsform', bundled, native, async ({ xlsform }) =>
    XlsformEngine.fromXlsform(new Uint8Array(await (await fetch(`./${xlsform}`)).arrayBuffer())));
  verdict.textContent = `${json}\n${workbook}`;
} catch (e) {
  verdict.textContent = `browser: failed: ${e && e.stack ? e.stack : JSON.stringify(e)}`;
}
