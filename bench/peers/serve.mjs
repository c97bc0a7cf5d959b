// A static file server on 127.0.0.1 for the browser part of the peer benchmark:
// `node serve.mjs DIR [/prefix=DIR ...]` serves DIR at / (and each DIR at its prefix)
// and prints `port N` once it listens. Only files under those folders are served.
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';

const [root, ...mounts] = process.argv.slice(2);
const dirs = [['/', resolve(root)], ...mounts.map((m) => {
  const [prefix, dir] = m.split('=');
  return [`${prefix.replace(/\/$/, '')}/`, resolve(dir)];
})].sort((a, b) => b[0].length - a[0].length);
const types = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.css': 'text/css', '.json': 'application/json', '.svg': 'image/svg+xml', '.woff2': 'font/woff2',
};

createServer((req, res) => {
  const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  const [prefix, dir] = dirs.find(([p]) => path.startsWith(p)) ?? [];
  const file = dir && normalize(join(dir, path.slice(prefix.length)));
  let ok = false;
  try { ok = file.startsWith(dir) && statSync(file).isFile(); } catch { ok = false; }
  if (!ok) { res.writeHead(404).end('not found'); return; }
  res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
  createReadStream(file).pipe(res);
}).listen(0, '127.0.0.1', function () { console.log(`port ${this.address().port}`); });
