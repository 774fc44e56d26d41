// Builds the web app into web/dist/, which server/web.py serves:
//   index.html, manifest.webmanifest, sw.js (the service worker, scope /),
//   assets/app.js (one ES module bundle with PouchDB), assets/app.css,
//   assets/i18n/<lang>.json, assets/icons/*.
// The service worker gets the list of files to precache and a version hashed from their
// contents, so each build that changes anything installs a new worker and cache.
// Usage: node web/build.mjs   (the Makefile runs it when a source file changed)
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { pngIcon, svgIcon } from './icons.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const src = path.join(here, 'src');
const dist = path.join(here, 'dist');
const staging = path.join(here, `dist.tmp-${process.pid}`);
const TARGET = ['chrome100', 'firefox100', 'safari15'];

const MANIFEST = {
  name: 'Miteinander – Landkreis Kassel',
  short_name: 'Miteinander',
  description: 'Veranstaltungen, Teilnahme, Ehrenamtsstunden und Kontaktanfragen – auch ohne Netz.',
  lang: 'de',
  dir: 'auto',
  id: '/',
  start_url: '/',
  scope: '/',
  display: 'standalone',
  orientation: 'any',
  background_color: '#f4f6f7',
  theme_color: '#0b5c63',
  categories: ['productivity', 'social'],
  icons: [
    { src: '/assets/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
    { src: '/assets/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
    { src: '/assets/icons/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
    { src: '/assets/icons/icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' },
  ],
};

function write(relative, content) {
  const target = path.join(staging, relative);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, content);
}

async function main() {
  fs.rmSync(staging, { recursive: true, force: true });
  await build({
    entryPoints: [path.join(src, 'main.js')],
    outfile: path.join(staging, 'assets', 'app.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: TARGET,
    minify: true,
    sourcemap: 'external', // for developers; server/web.py does not serve maps
    legalComments: 'linked',
    logLevel: 'warning',
  });
  await build({
    entryPoints: [path.join(src, 'app.css')],
    outfile: path.join(staging, 'assets', 'app.css'),
    bundle: true,
    minify: true,
    target: TARGET,
    logLevel: 'warning',
  });
  write('index.html', fs.readFileSync(path.join(src, 'index.html')));
  write('manifest.webmanifest', JSON.stringify(MANIFEST, null, 2));
  const languages = fs.readdirSync(path.join(src, 'i18n')).filter((name) => name.endsWith('.json')).sort();
  for (const name of languages) {
    // Parse to fail the build on a broken translation file, and to drop the whitespace.
    write(path.join('assets', 'i18n', name), JSON.stringify(JSON.parse(fs.readFileSync(path.join(src, 'i18n', name), 'utf8'))));
  }
  write('assets/icons/icon.svg', svgIcon());
  write('assets/icons/icon-192.png', pngIcon(192));
  write('assets/icons/icon-512.png', pngIcon(512));
  write('assets/icons/icon-maskable-512.png', pngIcon(512, true));

  const shell = ['index.html', 'manifest.webmanifest', 'assets/app.js', 'assets/app.css',
    ...languages.map((name) => `assets/i18n/${name}`),
    'assets/icons/icon.svg', 'assets/icons/icon-192.png', 'assets/icons/icon-512.png', 'assets/icons/icon-maskable-512.png'];
  const hash = crypto.createHash('sha256');
  for (const file of shell) hash.update(file).update(fs.readFileSync(path.join(staging, file)));
  const version = hash.digest('hex').slice(0, 16);
  const precache = shell.map((file) => (file === 'index.html' ? '/' : `/${file}`));
  await build({
    entryPoints: [path.join(src, 'sw.js')],
    outfile: path.join(staging, 'sw.js'),
    bundle: false,
    minify: true,
    target: TARGET,
    define: { __VERSION__: JSON.stringify(version), __PRECACHE__: JSON.stringify(precache) },
    logLevel: 'warning',
  });
  write('.built', `${version}\n`);

  // Swap in the new build at once: the server never serves half of one.
  const old = `${dist}.old-${process.pid}`;
  if (fs.existsSync(dist)) fs.renameSync(dist, old);
  fs.renameSync(staging, dist);
  fs.rmSync(old, { recursive: true, force: true });
  const size = fs.statSync(path.join(dist, 'assets', 'app.js')).size;
  console.log(`web/dist built: version ${version}, app.js ${Math.round(size / 1024)} KiB, ${languages.length} languages`);
}

main().catch((err) => {
  fs.rmSync(staging, { recursive: true, force: true });
  console.error(err);
  process.exit(1);
});
