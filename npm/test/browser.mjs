// The page of the browser run: bundled by esbuild for the browser from the installed
// package (so a bundler resolves `tianye-core` to the browsers' glue), it fetches the
// .wasm beside itself, validates every case in cases.json and writes the verdict into
// <pre id="verdict"> for the driver (browser-run.mjs) to read.
import init, { Engine } from 'tianye-core';
import { differences } from './verdict.cjs';

const verdict = document.getElementById('verdict');
try {
  await init({ module_or_path: new URL('./tianye_core_bg.wasm', import.meta.url) });
  const bundled = await (await fetch('./cases.json')).json();
  const failures = [];
  let ran = 0;
  for (const { dir, form, cases } of bundled) {
    const engine = new Engine(form);
    for (const { file, case: kase } of cases) {
      ran += 1;
      const report = engine.validate(kase.response, 'zh');
      failures.push(...differences(report, kase.expected).map((d) => `${dir}/cases/${file}: ${d}`));
    }
  }
  verdict.textContent = `browser: ${ran} cases, ${failures.length} mismatches\n${failures.join('\n')}`;
} catch (e) {
  verdict.textContent = `browser: failed: ${e && e.stack ? e.stack : JSON.stringify(e)}`;
}
