// End-to-end tests of how the widget reaches a resident (issue 20), in headless Chromium against
// the real collector and dist/: the definition's request and the wasm's overlap (each one held
// until the other has started), a definition in the page or a template fetches none, the headers
// a browser really gets (compressed by what it accepts, hashed names immutable, voix.js and
// definitions kept briefly with an ETag), a second visit that asks the network for nothing, and
// a page whose old voix.js is still cached after a new release. Never timed: the bench measures.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startCollector, launchBrowser, consoleErrors, ROOT, shipped } from './harness.mjs';

let browser;
let site; // the host pages, in a temp dir served as the collector's static_dir
let collector;

const page = (body) => `<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>Livraison</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,"></head>
<body><main><h1>Livraison</h1>${body}</main><script src="/voix.js" async></script></body></html>`;

const PAGES = {
  'satisfaction.html': page('<div data-voix-form="satisfaction"></div>'),
  'inline.html': page(`<div data-voix-form="velo" data-definition="def-velo"></div>
<script type="application/json" id="def-velo">
  { "id": "velo", "title": "Pistes cyclables",
    "questions": [ { "id": "note", "type": "smileys", "label": "Qu'en pensez-vous ?", "required": true } ] }
</script>`),
  'template.html': page('<div data-voix-form="avis-jdma" data-template="jdma"></div>'),
  'deutsch.html': page('<div data-voix-form="satisfaction" data-lang="de"></div><div data-voix-form="mediatheque" data-lang="de"></div>'),
};

async function writeSite(dir) {
  for (const [name, html] of Object.entries(PAGES)) await writeFile(path.join(dir, name), html);
}

before(async () => {
  site = await mkdtemp(path.join(tmpdir(), 'voix-delivery-'));
  await writeSite(site);
  collector = await startCollector({ config: { static_dir: site, rate_limit: { per_minute: 0 } } });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await collector?.stop();
  if (site) await rm(site, { recursive: true, force: true });
});

const isWasm = (u) => new URL(u).pathname === `/${shipped('voix_bg.wasm')}`;
const isGlue = (u) => new URL(u).pathname === `/${shipped('voix-widget.js')}`;
const isDefinition = (u) => new URL(u).pathname === '/v1/forms/satisfaction';
const isLoader = (u) => new URL(u).pathname === '/voix.js';

test('the definition is asked for while the wasm is on its way, and the wasm while the definition is', async () => {
  for (const [held, other] of [
    ['wasm', 'definition'],
    ['definition', 'wasm'],
  ]) {
    const context = await browser.newContext();
    const p = await context.newPage();
    const errors = consoleErrors(p);
    const is = { wasm: isWasm, definition: isDefinition };
    const asked = { wasm: 0, definition: 0 };
    let seen;
    const started = new Promise((resolve) => (seen = resolve));
    p.on('request', (r) => {
      for (const k of Object.keys(is)) if (is[k](r.url())) asked[k]++;
      if (is[other](r.url())) seen(true);
    });
    // The held response goes once the other request has started — or after 10 s if it never
    // does, so that a loader which waits fails here rather than hanging.
    let overlapped;
    await p.route(
      (url) => is[held](url.href),
      async (route) => {
        overlapped = await Promise.race([started, new Promise((r) => setTimeout(() => r(false), 10_000))]);
        await route.continue();
      },
    );
    await p.goto(`${collector.url}/satisfaction.html`);
    await p.locator('[data-voix-form] form').waitFor();
    assert.equal(overlapped, true, `the ${other} request waited for the ${held} response`);
    assert.deepEqual(asked, { wasm: 1, definition: 1 }, 'each asked for once: the wasm uses the loader’s definition');
    assert.equal(await p.locator('[data-voix-form] input[type=radio]').count() > 0, true);
    assert.deepEqual(errors, []);
    await context.close();
  }
});

test('a definition in the page, or a built-in template, fetches no definition', async () => {
  for (const name of ['inline.html', 'template.html']) {
    const context = await browser.newContext();
    const p = await context.newPage();
    const errors = consoleErrors(p);
    const api = [];
    p.on('request', (r) => new URL(r.url()).pathname.startsWith('/v1/') && api.push(r.url()));
    await p.goto(`${collector.url}/${name}`);
    await p.locator('[data-voix-form] form').waitFor();
    assert.deepEqual(api, [], `${name}: no request to the collector's API before answering`);
    assert.deepEqual(errors, []);
    await context.close();
  }
});

/** Each response of the widget's files on a page load, with the request's Accept-Encoding. */
async function load(p, url) {
  // Reading a response's headers takes round trips to the browser: the form can be up before
  // they are read, so each is a promise, all awaited once the form is there.
  const reading = [];
  p.on('response', (r) => {
    const u = r.url();
    if (![isLoader, isGlue, isWasm, isDefinition].some((f) => f(u))) return;
    reading.push(
      Promise.all([r.request().allHeaders(), r.allHeaders()]).then(([asked, headers]) => ({
        url: u,
        accept: asked['accept-encoding'] ?? '',
        headers,
      })),
    );
  });
  await p.goto(url);
  await p.locator('[data-voix-form] form').waitFor();
  return Promise.all(reading);
}

test('a browser gets the widget compressed as it asked, hashed names kept for good, voix.js and definitions briefly with an ETag', async () => {
  const context = await browser.newContext();
  const p = await context.newPage();
  const got = await load(p, `${collector.url}/satisfaction.html`);
  const by = (f) => {
    const all = got.filter((g) => f(g.url));
    assert.equal(all.length, 1, `one response for each file:\n${got.map((g) => g.url).join('\n')}`);
    return all[0];
  };
  for (const [what, f, cache] of [
    ['voix.js', isLoader, 'public, max-age=300'],
    ['glue', isGlue, 'public, max-age=31536000, immutable'],
    ['wasm', isWasm, 'public, max-age=31536000, immutable'],
  ]) {
    const { accept, headers } = by(f);
    // Chromium offers br only to secure origins; over plain http it asks for gzip and deflate.
    const want = /\bbr\b/.test(accept) ? 'br' : 'gzip';
    assert.match(accept, /\bgzip\b/, `${what}: Accept-Encoding ${accept}`);
    assert.equal(headers['content-encoding'], want, `${what} (asked: ${accept})`);
    assert.match(headers['vary'] ?? '', /accept-encoding/i, `${what}: Vary`);
    assert.equal(headers['cache-control'], cache, what);
    if (f === isLoader) assert.ok(headers['etag'], 'voix.js has an ETag');
  }
  assert.equal(by(isWasm).headers['content-type'], 'application/wasm');
  const definition = by(isDefinition).headers;
  assert.equal(definition['cache-control'], 'public, max-age=60');
  assert.match(definition['etag'] ?? '', /^W\/"/);
  await context.close();
});

/** The resources of the page as Resource Timing saw them: name → bytes that crossed the wire. */
const transferred = (p) =>
  p.evaluate(() =>
    Object.fromEntries(performance.getEntriesByType('resource').map((e) => [new URL(e.name).pathname, e.transferSize])),
  );

test('a second visit takes voix.js, the widget and the definition from the cache: nothing crosses the wire', async () => {
  const context = await browser.newContext();
  const p = await context.newPage();
  await p.goto(`${collector.url}/satisfaction.html`);
  await p.locator('[data-voix-form] form').waitFor();
  const first = await transferred(p);
  const files = ['/voix.js', `/${shipped('voix-widget.js')}`, `/${shipped('voix_bg.wasm')}`, '/v1/forms/satisfaction'];
  for (const f of files) assert.ok(first[f] > 0, `first visit: ${f} came over the network (${JSON.stringify(first)})`);
  // Another page of the site, the same form, within voix.js's 5 minutes and the definition's 60 s.
  const p2 = await context.newPage();
  await p2.goto(`${collector.url}/satisfaction.html?second`);
  await p2.locator('[data-voix-form] form').waitFor();
  const second = await transferred(p2);
  for (const f of files) assert.equal(second[f], 0, `second visit: ${f} from the cache (${JSON.stringify(second)})`);
  await context.close();
});

test('a German page: its pack asked for beside the widget crosses the wire once, for both forms', async () => {
  const context = await browser.newContext();
  const p = await context.newPage();
  const errors = consoleErrors(p);
  await p.goto(`${collector.url}/deutsch.html`);
  await p.locator('[data-voix-form="satisfaction"] form').waitFor();
  await p.locator('[data-voix-form="mediatheque"] form').waitFor();
  assert.equal(await p.locator('[data-voix-form="satisfaction"] button[type=submit]').textContent(), 'Absenden');
  const pack = `/${shipped('voix-strings-de.json')}`;
  const sizes = await p.evaluate(
    (pack) => performance.getEntriesByType('resource').filter((e) => new URL(e.name).pathname === pack).map((e) => e.transferSize),
    pack,
  );
  assert.ok(sizes.length >= 1, 'the pack was asked for');
  assert.equal(sizes.filter((n) => n > 0).length, 1, `over the network once, the rest from the cache: ${sizes}`);
  assert.deepEqual(errors, []);
  await context.close();
});

test('after a new release, a page whose old voix.js is cached keeps working, and a new visitor gets the new files', async () => {
  // A copy of dist/ served by a collector of its own; "the release" renames the widget's files
  // as a new build would and rewrites voix.js, keeping the old files as `cargo xtask dist` does.
  const dist = await mkdtemp(path.join(tmpdir(), 'voix-release-'));
  const pages = await mkdtemp(path.join(tmpdir(), 'voix-release-site-'));
  await cp(path.join(ROOT, 'dist'), dist, { recursive: true });
  await writeSite(pages);
  const own = await startCollector({ config: { static_dir: pages, dist_dir: dist, rate_limit: { per_minute: 0 } } });
  try {
    const context = await browser.newContext();
    const p = await context.newPage();
    await p.goto(`${own.url}/satisfaction.html`);
    await p.locator('[data-voix-form] form').waitFor();

    const renamed = {};
    let loader = await readFile(path.join(dist, 'voix.js'), 'utf8');
    for (const name of ['voix-widget.js', 'voix_bg.wasm']) {
      const old = shipped(name);
      renamed[name] = old.replace(/\.[0-9a-f]{10}\./, '.0123456789.');
      await cp(path.join(dist, old), path.join(dist, renamed[name]));
      assert.ok(loader.includes(old), `voix.js names ${old}`);
      loader = loader.replaceAll(old, renamed[name]);
    }
    await writeFile(path.join(dist, 'voix.js'), loader);
    for (const ext of ['.br', '.gz']) await rm(path.join(dist, 'voix.js' + ext));

    // The same resident, another page: the cached voix.js asks for the old names, still there.
    const asked = [];
    const p2 = await context.newPage();
    p2.on('request', (r) => asked.push(new URL(r.url()).pathname));
    await p2.goto(`${own.url}/satisfaction.html?again`);
    await p2.locator('[data-voix-form] form').waitFor();
    assert.ok(!asked.some((a) => a.includes('0123456789')), `the cached loader: ${asked.join(' ')}`);
    assert.ok(asked.includes(`/${shipped('voix_bg.wasm')}`), `the old wasm: ${asked.join(' ')}`);
    await context.close();

    // A new resident: the new voix.js and the new names.
    const fresh = await browser.newContext();
    const p3 = await fresh.newPage();
    const got = [];
    p3.on('response', (r) => got.push(`${new URL(r.url()).pathname} ${r.status()}`));
    await p3.goto(`${own.url}/satisfaction.html`);
    await p3.locator('[data-voix-form] form').waitFor();
    for (const name of Object.values(renamed)) assert.ok(got.includes(`/${name} 200`), `${name}: ${got.join(' ')}`);
    await fresh.close();
  } finally {
    await own.stop();
    await rm(dist, { recursive: true, force: true });
    await rm(pages, { recursive: true, force: true });
  }
});

test('a hashed name that does not exist is a 404 kept by no cache, never an older file', async () => {
  const missing = shipped('voix_bg.wasm').replace(/\.[0-9a-f]{10}\./, '.0000000000.');
  const res = await fetch(`${collector.url}/${missing}`, { headers: { 'accept-encoding': 'br, gzip' } });
  assert.equal(res.status, 404);
  assert.equal(res.headers.get('cache-control'), 'no-cache');
});
