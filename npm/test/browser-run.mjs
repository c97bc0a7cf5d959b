// The package in a browser through a bundler: esbuild bundles browser.mjs for the
// browser (`import` of tianye-core resolves to the browsers' glue, not Node's loader),
// the bundle, the package's two .wasm modules, every bundled case with the native
// evaluations and each questionnaire's XLSForm workbook are served on 127.0.0.1, and
// headless Chromium runs the page. Fails unless every case gives its expected problems and
// the native evaluation, from the JSON and from the workbook alike.
// Usage: node browser-run.mjs REPOSITORY_ROOT ESBUILD CHROMIUM
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { extname, join } from 'node:path';

const [root, esbuild, chromium] = process.argv.slice(2);
const { bundledCases } = createRequire(import.meta.url)('./compare.cjs');
const site = join(process.cwd(), 'site');
mkdirSync(site, { recursive: true });
execFileSync(esbuild, ['browser.mjs', '--bundle', '--format=esm', '--platform=browser',
  '--target=chrome89', '--log-level=warning', `--outfile=${join(site, 'app.js')}`], { stdio: 'inherit' });
for (const wasm of ['tianye_core_bg.wasm', 'tianye_core_xlsform_bg.wasm']) {
  copyFileSync(join('node_modules', 'tianye-core', wasm), join(site, wasm));
}
copyFileSync('evaluations.json', join(site, 'evaluations.json'));
cpSync('xlsform', join(site, 'xlsform'), { recursive: true });
writeFileSync(join(site, 'cases.json'), JSON.stringify(bundledCases(root)));
writeFileSync(join(site, 'index.html'),
  '<!doctype html><meta charset="utf-8"><pre id="verdict">pending</pre><script type="module" src="app.js"></script>\n');

const types = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};
const server = createServer((req, res) => {
  const name = decodeURIComponent(new URL(req.url, 'http://x').pathname.slice(1)) || 'index.html';
  try {
    const body = readFileSync(join(site, name.replaceAll('..', '')));
    res.writeHead(200, { 'content-type': types[extname(name)] || 'application/octet-stream' }).end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${server.address().port}/`;

const dom = await new Promise((resolve, reject) => {
  const browser = spawn(chromium, ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
    `--user-data-dir=${join(process.cwd(), 'chromium-profile')}`, '--virtual-time-budget=60000',
    '--dump-dom', url], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  browser.stdout.on('data', (chunk) => { out += chunk; });
  browser.on('error', reject);
  browser.on('close', () => resolve(out));
});
server.close();
const text = (dom.match(/<pre id="verdict">([\s\S]*?)<\/pre>/) || [, 'no verdict: the page did not run'])[1]
  .replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&').replaceAll('&quot;', '"');
console.log(text.trimEnd());
const json = text.match(/^browser: (\d+) cases, (\d+) mismatches/m);
const workbook = text.match(/^browser xlsform: (\d+) cases, (\d+) mismatches/m);
const passed = json && workbook && Number(json[1]) >= 33 && json[2] === '0' && workbook[1] === json[1] &&
  workbook[2] === '0';
process.exitCode = passed ? 0 : 1;
