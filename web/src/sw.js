// The service worker: the app shell comes from the cache, so the app opens with no network.
//
// The build replaces __VERSION__ (a hash of the shell's files) and __PRECACHE__ (their URLs),
// so every new build is a new worker with a cache of its own; old caches are dropped when it
// activates. Data never goes through the cache: /api and /sync are left to the network.

/* global __VERSION__, __PRECACHE__ */
const CACHE = `miteinander-${__VERSION__}`;
const PRECACHE = __PRECACHE__;
const NETWORK_ONLY = ['/api/', '/sync/'];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE)
    .then((cache) => cache.addAll(PRECACHE.map((url) => new Request(url, { cache: 'reload' }))))
    .then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((key) => key.startsWith('miteinander-') && key !== CACHE)
      .map((key) => caches.delete(key))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === '/sync' || NETWORK_ONLY.some((prefix) => url.pathname.startsWith(prefix))) return;
  if (request.mode === 'navigate') {
    // One page app: every navigation gets the shell; the hash picks the screen.
    event.respondWith(caches.open(CACHE).then((cache) => cache.match('/'))
      .then((cached) => cached || fetch(request)));
    return;
  }
  event.respondWith(caches.open(CACHE).then((cache) => cache.match(request, { ignoreSearch: true }))
    .then((cached) => cached || fetch(request)));
});
