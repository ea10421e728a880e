// Smoke test: the collector serves the optimised dist, and Chromium can compile and instantiate it.
// This is what proves the wasm-opt + esbuild output is loadable; the widget's behaviour is
// tested elsewhere.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { consoleErrors, launchBrowser, startCollector, shipped } from './harness.mjs';

let collector;
let browser;

before(async () => {
  collector = await startCollector();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await collector?.stop();
});

test('GET /healthz is 200', async () => {
  const res = await fetch(`${collector.url}/healthz`);
  assert.equal(res.status, 200);
});

test('voix.js is JavaScript that any site may load', async () => {
  const res = await fetch(`${collector.url}/voix.js`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/javascript\b/);
  assert.equal(res.headers.get('access-control-allow-origin'), '*');
  const js = await res.text();
  assert.ok(js.length > 0, 'voix.js is empty');
  assert.doesNotMatch(js, /^\s*let wasm_bindgen\b/, 'the glue must be wrapped in an IIFE');
});

test('the hashed voix_bg.….wasm is served as application/wasm', async () => {
  const res = await fetch(`${collector.url}/${shipped('voix_bg.wasm')}`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^application\/wasm\b/);
  const bytes = new Uint8Array(await res.arrayBuffer());
  assert.deepEqual([...bytes.subarray(0, 4)], [0x00, 0x61, 0x73, 0x6d], 'wasm magic number');
});

test('Chromium compiles the optimised wasm', async () => {
  const page = await browser.newPage();
  try {
    await page.goto(`${collector.url}/healthz`);
    const ok = await page.evaluate(async (u) => {
      await WebAssembly.compileStreaming(fetch(u));
      return true;
    }, `${collector.url}/${shipped('voix_bg.wasm')}`);
    assert.equal(ok, true);
  } finally {
    await page.close();
  }
});

// Compiling is not enough: Debian's old wasm-opt produced modules that compile but fail while
// instantiating (WebAssembly.Table.set). Load voix.js on a page of another origin (about:blank,
// so CORS is exercised too: the glue module, the wasm and the definition are all cross-origin)
// and check the loader's own failure message never appears and the form mounts.
test('voix.js instantiates the wasm from a foreign page', async () => {
  const page = await browser.newPage();
  try {
    const errors = consoleErrors(page);
    const wasmLoaded = page.waitForResponse((r) => r.url().endsWith(`/${shipped('voix_bg.wasm')}`), {
      timeout: 15_000,
    });
    await page.setContent(`<!doctype html><html lang="en"><title>smoke</title>
      <div id="host" data-voix-form="satisfaction"></div>
      <script src="${collector.url}/voix.js" data-form="satisfaction" async></script>`);
    const res = await wasmLoaded;
    assert.equal(res.status(), 200);
    // Instantiation and the loader's `.then` run right after the fetch completes.
    await page.waitForTimeout(1_000);
    const startFailures = errors.filter((e) => e.includes('[voix] the form could not start'));
    assert.deepEqual(startFailures, [], `the wasm did not start:\n${errors.join('\n')}`);
    const leaked = await page.evaluate(() => typeof window.wasm_bindgen);
    assert.equal(leaked, 'undefined', 'the glue leaked a global `wasm_bindgen`');
    await page.waitForFunction(() => document.querySelector('#host').shadowRoot?.querySelector('form'));
  } finally {
    await page.close();
  }
});
