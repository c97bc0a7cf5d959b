// Tianye's service worker: keeps the app shell (HTML, JS, wasm, CSS, bundled
// questionnaires) so the app opens with no network after the first visit. A new build
// has a new BUILD and cache; the old cache is dropped once the new one is complete.
// Answers live in localStorage, which this never touches.
const BUILD = '__BUILD__';
const SHELL = __SHELL__;
const CACHE = 'tianye-shell-' + BUILD;
const API_CACHE = 'tianye-api';

// The shell is fetched past the browser's HTTP cache: a file kept there from the last
// build (a server sending no Cache-Control lets the browser deem it fresh for days)
// would pair new JS glue with old wasm.
self.addEventListener('install', (event) => {
  const fresh = SHELL.map((url) => new Request(url, { cache: 'reload' }));
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(fresh)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('tianye-shell-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/')) {
    // Questionnaires: the network when it answers, the last copy when it does not.
    if (url.pathname.startsWith('/api/v1/questionnaires') && !url.pathname.includes('/export')) {
      event.respondWith(
        fetch(request)
          .then((response) => {
            if (response.ok) {
              const copy = response.clone();
              caches.open(API_CACHE).then((c) => c.put(request, copy));
            }
            return response;
          })
          .catch(() => caches.match(request, { ignoreVary: true }).then((hit) => hit || Response.error())),
      );
    }
    return;
  }
  // Matched by URL alone: the server's Vary (Origin for CORS, Accept-Encoding) tells
  // HTTP caches apart, but a module script asks with an Origin header that the copy
  // cached at install did not, and would never match offline.
  event.respondWith(
    caches.match(request, { ignoreSearch: true, ignoreVary: true }).then((hit) => {
      if (hit) return hit;
      return fetch(request).catch(() =>
        request.mode === 'navigate' ? caches.match('./index.html', { ignoreVary: true }) : Response.error(),
      );
    }),
  );
});
