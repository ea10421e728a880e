// The browser part of `cargo xtask bench` (issues 18 and 20), in headless Chromium against a
// collector that serves dist/, this directory's pages and the bench's forms. Run by
// xtask/src/bench/browser.rs:
//
//   node xtask/bench/browser.mjs --url http://127.0.0.1:PORT --out FILE.json \
//     --glue voix-widget.<hash>.js --wasm voix_bg.<hash>.wasm [--loads 30] [--pow 30]
//
// `--glue` and `--wasm` are the names the glue and the wasm have in dist/ (dist/manifest.json).
// Writes one JSON document of raw samples (milliseconds, bytes); the xtask makes the tables.
// 1. time to an answerable form, the widget beside the hand-written page (vanilla.js), for the
//    satisfaction form and the 10-question form: each load in a fresh browser context (cold
//    cache, its own renderer process), from the mark just before the script tag to the first
//    field enabled and focused (the probe in widget.html / vanilla.html);
// 2. the same for the satisfaction form on an old phone on a weak signal (CPU ÷4, 150 ms,
//    1.6 Mbit/s down, 750 kbit/s up), with each request's start, end, answer and bytes on the
//    wire; then, in the same context and tab (HTTP cache warm, kept enabled), a second visit:
//    about:blank, then the same page again under the same profile;
// 3. wasm compile and the glue's init with the compiled module, each in a fresh context;
// 4. memory (JS heap after GC, wasm memory, DOM nodes, listeners) after the first mount and
//    after 10 and 100 unmount/mount cycles;
// 5. the proof of work's solve time in the browser (the ALTCHA payload's `solution.time`).
// Variants are interleaved load by load, so a machine that slows down slows both sides.
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { launchBrowser } from '../../tests/e2e/harness.mjs';

const { values: opt } = parseArgs({
  options: {
    url: { type: 'string' },
    out: { type: 'string' },
    loads: { type: 'string', default: '30' },
    pow: { type: 'string', default: '30' },
    only: { type: 'string' },
    glue: { type: 'string' },
    wasm: { type: 'string' },
  },
});
if (!opt.url || !opt.out || !opt.glue || !opt.wasm) {
  throw new Error(
    'usage: browser.mjs --url URL --out FILE --glue NAME --wasm NAME [--loads N] [--pow N] ' +
      '[--only tti,phone,compile,memory,pow]',
  );
}
const BASE = opt.url.replace(/\/$/, '');
/** The glue and the wasm as the collector serves them: their content-hashed names in dist/. */
const GLUE = '/' + opt.glue;
const WASM = '/' + opt.wasm;
const LOADS = Number(opt.loads);
const runs = (part) => !opt.only || opt.only.split(',').includes(part);

/** The old phone on a weak signal, as CDP sets it. */
const PHONE = {
  cpu: { rate: 4 },
  network: { offline: false, latency: 150, downloadThroughput: 1.6e6 / 8, uploadThroughput: 750e3 / 8 },
};

const browser = await launchBrowser();
const out = { chromium: browser.version(), loads: LOADS, phone: PHONE };
const log = (s) => process.stderr.write(s + '\n');

/** A fresh context and page; `errors` gathers its console errors and uncaught exceptions. */
async function fresh() {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(`${m.text()} (${m.location().url})`));
  page.on('pageerror', (e) => errors.push(String(e)));
  return { context, page, errors };
}

/**
 * The phone's profile on `page`, and a record of its requests through CDP (`Network.enable` is
 * needed for `Network.emulateNetworkConditions`; the HTTP cache is left on). `again()` sets the
 * profile anew and forgets the requests seen, before a second visit; `settled()` waits until
 * every request seen has ended, so that the first visit is over before the second starts.
 */
async function throttle(context, page) {
  const cdp = await context.newCDPSession(page);
  let requests = new Map();
  const at = (id) => requests.get(id) ?? {};
  cdp.on('Network.requestWillBeSent', (e) => {
    // A redirect reuses the request id: the first hop is kept as it was.
    if (!requests.has(e.requestId)) requests.set(e.requestId, { url: e.request.url, start: e.timestamp });
  });
  // From Blink's memory cache, unless the response then says the disk cache.
  cdp.on('Network.requestServedFromCache', (e) => (at(e.requestId).cache = 'memory cache'));
  cdp.on('Network.responseReceived', (e) => {
    const r = requests.get(e.requestId);
    if (!r) return;
    const h = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), v]));
    r.status = e.response.status;
    r.encoding = h['content-encoding'] ?? null;
    if (e.response.fromDiskCache) r.cache = 'disk cache';
    else if (e.response.fromPrefetchCache) r.cache = 'prefetch cache';
    else if (e.response.fromServiceWorker) r.cache = 'service worker';
  });
  cdp.on('Network.loadingFinished', (e) => {
    const r = requests.get(e.requestId);
    if (r) Object.assign(r, { end: e.timestamp, bytes: e.encodedDataLength });
  });
  cdp.on('Network.loadingFailed', (e) => {
    const r = requests.get(e.requestId);
    if (r) Object.assign(r, { end: e.timestamp, failed: e.errorText });
  });
  const set = async () => {
    await cdp.send('Network.emulateNetworkConditions', PHONE.network);
    await cdp.send('Emulation.setCPUThrottlingRate', PHONE.cpu);
  };
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: false });
  await set();
  return {
    requests: () => requests,
    async again() {
      requests = new Map();
      await set();
    },
    // At most 5 s: a request still open then is written down without an end.
    async settled() {
      for (let k = 0; k < 100 && [...requests.values()].some((r) => r.end === undefined); k++) {
        await new Promise((ok) => setTimeout(ok, 50));
      }
    },
  };
}

/**
 * One visit of `path` in `page`: the probe's times (ms from the start mark), the resources as
 * the page saw them, and with `watch` (the phone) each request as CDP saw it.
 */
async function visit(page, path, errors, watch) {
  await page.goto(BASE + path, { waitUntil: 'commit' });
  await page.waitForFunction(() => window.__tti, null, { timeout: 60_000, polling: 'raf' });
  const seen = await page.evaluate(() => {
    const { t0, t } = window.__tti;
    const nav = performance.getEntriesByType('navigation')[0];
    return {
      tti: t - t0,
      // The start mark, from the navigation's start: what the page took before the snippet.
      mark: t0,
      response_end: nav ? nav.responseEnd : null,
      resources: performance.getEntriesByType('resource').map((e) => ({
        name: new URL(e.name).pathname + new URL(e.name).search,
        start: e.startTime - t0,
        end: e.responseEnd - t0,
        // 0 when the HTTP cache answered without asking the server.
        transfer: e.transferSize,
      })),
    };
  });
  if (errors.length) throw new Error(`${path}: ${errors.join('\n')}`);
  if (watch) {
    await watch.settled();
    // Every request, from the document's: start and end (ms), the answer, bytes on the wire
    // (headers too; 0 from the cache).
    const list = [...watch.requests().values()].sort((a, b) => a.start - b.start);
    const origin = list[0]?.start ?? 0;
    seen.requests = list.map((r) => ({
      url: new URL(r.url).pathname + new URL(r.url).search,
      start: (r.start - origin) * 1000,
      end: r.end === undefined ? null : (r.end - origin) * 1000,
      bytes: r.bytes ?? null,
      status: r.status ?? null,
      encoding: r.encoding ?? null,
      cache: r.cache ?? null,
      failed: r.failed ?? null,
    }));
  }
  return seen;
}

/**
 * One cold load of `path` in a fresh context. With `phone`, under the old phone's profile, and
 * then a second visit in the same context and tab (about:blank between, so that it is a new
 * navigation rather than a reload): `{ cold, second }`.
 */
async function load(path, { phone = false } = {}) {
  const { context, page, errors } = await fresh();
  try {
    if (!phone) return await visit(page, path, errors, null);
    const watch = await throttle(context, page);
    const cold = await visit(page, path, errors, watch);
    await page.goto('about:blank');
    await watch.again();
    const second = await visit(page, path, errors, watch);
    return { cold, second };
  } finally {
    await context.close();
  }
}

/**
 * `LOADS` cold loads of each variant, interleaved; with `warm`, after one load of each not
 * counted (the browser's first pages pay for its own start).
 */
async function compare(variants, options = {}, warm = false) {
  const samples = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (let i = warm ? -1 : 0; i < LOADS; i++) {
    for (const [name, path] of Object.entries(variants)) {
      const s = await load(path, options);
      if (i >= 0) samples[name].push(s);
    }
  }
  return samples;
}

const tti = (form) => ({ widget: `/widget.html?form=${form}`, vanilla: `/vanilla.html?form=${form}` });

if (runs('tti')) {
  out.tti = {};
  for (const form of ['satisfaction', 'dix']) {
    const t = Date.now();
    out.tti[form] = await compare(tti(form), {}, form == 'satisfaction');
    log(`tti ${form}: ${LOADS} loads of each in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
}

if (runs('phone')) {
  const t = Date.now();
  // Each context's first visit is a cold load, its second the visit with the HTTP cache warm.
  const both = await compare(tti('satisfaction'), { phone: true });
  const pick = (k) => Object.fromEntries(Object.entries(both).map(([v, s]) => [v, s.map((x) => x[k])]));
  out.phone_tti = { satisfaction: pick('cold') };
  out.phone_second = { satisfaction: pick('second') };
  log(`phone: ${LOADS} cold loads and second visits of each in ${((Date.now() - t) / 1000).toFixed(1)} s`);
}

if (runs('compile')) {
  const t = Date.now();
  out.compile = [];
  for (let i = 0; i < LOADS; i++) {
    const { context, page, errors } = await fresh();
    await page.goto(BASE + '/blank.html');
    const s = await page.evaluate(async ([wasmUrl, glueUrl]) => {
      const bytes = await (await fetch(wasmUrl)).arrayBuffer();
      const glue = await import(glueUrl);
      const t0 = performance.now();
      const module = await WebAssembly.compile(bytes);
      const t1 = performance.now();
      await glue.default({ module_or_path: module });
      const t2 = performance.now();
      return { compile: t1 - t0, init: t2 - t1, bytes: bytes.byteLength };
    }, [WASM, GLUE]);
    await context.close();
    if (errors.length) throw new Error(`compile: ${errors.join('\n')}`);
    out.compile.push(s);
  }
  log(`compile: ${LOADS} in ${((Date.now() - t) / 1000).toFixed(1)} s`);
}

/**
 * Memory of one page after the first mount of the satisfaction form, then after 10 and 100
 * cycles (take the form down, remove its element, mount it in a new one), each measured after
 * two forced collections with one form mounted. `widget`: window.Voix.mount / unmount;
 * `baseline`: the same cycle by hand (fetch the definition, a shadow root with its fields,
 * emptied and removed), which says what the browser itself keeps.
 */
async function memory(kind) {
  const { context, page, errors } = await fresh();
  await page.goto(BASE + '/blank.html');
  if (kind == 'widget') {
    await page.addScriptTag({ url: '/voix.js' });
    await page.waitForFunction(() => window.Voix?.version);
  }
  const cdp = await context.newCDPSession(page);
  await page.evaluate(([kind, glueUrl]) => {
    const zone = document.getElementById('zone');
    const widget = kind == 'widget';
    window.__mount = async () => {
      const el = document.createElement('div');
      zone.append(el);
      if (!widget) {
        const def = await (await fetch('/v1/forms/satisfaction?lang=fr')).json();
        const root = el.attachShadow({ mode: 'open' });
        const form = document.createElement('form');
        for (const q of def.questions) {
          const label = document.createElement('label');
          label.textContent = q.label;
          label.append(document.createElement(q.multiline ? 'textarea' : 'input'));
          form.append(label);
        }
        root.append(form);
        return el;
      }
      const shown = new Promise((ok, fail) => {
        el.addEventListener('voix:ready', ok, { once: true });
        el.addEventListener('voix:error', () => fail(new Error('voix:error')), { once: true });
      });
      window.Voix.mount(el, { form: 'satisfaction' });
      await shown;
      return el;
    };
    window.__unmount = async (el) => {
      if (widget) {
        // The module the loader imported (the same URL: the same instance).
        const w = await import(glueUrl);
        const before = w.mounted();
        window.Voix.unmount(el);
        for (let k = 0; w.mounted() !== before - 1; k++) {
          if (k > 1000) throw new Error('not torn down');
          await new Promise((r) => requestAnimationFrame(r));
        }
      } else {
        el.shadowRoot.replaceChildren();
      }
      el.remove();
    };
    window.__cycles = async (n) => {
      for (let i = 0; i < n; i++) {
        await window.__unmount(window.__el);
        window.__el = await window.__mount();
      }
    };
  }, [kind, GLUE]);
  const measure = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    await cdp.send('HeapProfiler.collectGarbage');
    const heap = await cdp.send('Runtime.getHeapUsage');
    const dom = await cdp.send('Memory.getDOMCounters');
    const wasm = await page.evaluate(async ([widget, glueUrl]) => {
      if (!widget) return null;
      const exports = await (await import(glueUrl)).default();
      return Object.values(exports).find((v) => v instanceof WebAssembly.Memory).buffer.byteLength;
    }, [kind == 'widget', GLUE]);
    return { heap: heap.usedSize, nodes: dom.nodes, listeners: dom.jsEventListeners, wasm };
  };
  await page.evaluate(async () => {
    window.__el = await window.__mount();
  });
  const m = { first: await measure() };
  await page.evaluate(() => window.__cycles(10));
  m.after10 = await measure();
  await page.evaluate(() => window.__cycles(90));
  m.after100 = await measure();
  await context.close();
  if (errors.length) throw new Error(`memory (${kind}): ${errors.join('\n')}`);
  return m;
}

if (runs('memory')) {
  const t = Date.now();
  out.memory = { widget: await memory('widget'), baseline: await memory('baseline') };
  log(`memory: 100 cycles of each in ${((Date.now() - t) / 1000).toFixed(1)} s`);
}

if (runs('pow')) {
  const t = Date.now();
  out.pow = [];
  for (let i = 0; i < Number(opt.pow); i++) {
    const { context, page, errors } = await fresh();
    const posted = page.waitForRequest((r) => r.method() === 'POST', { timeout: 60_000 });
    await page.goto(BASE + '/widget.html?form=mediatheque');
    await page.waitForFunction(() => window.__tti, null, { timeout: 60_000, polling: 'raf' });
    await page.locator('#form input[type=radio]').first().check();
    await page.locator('#form button[type=submit]').click();
    const body = JSON.parse((await posted).postData());
    const payload = JSON.parse(Buffer.from(body.altcha, 'base64').toString());
    if (typeof payload.solution?.time !== 'number') throw new Error('pow: no solution.time in the payload');
    out.pow.push(payload.solution.time);
    await context.close();
    if (errors.length) throw new Error(`pow: ${errors.join('\n')}`);
  }
  log(`pow: ${out.pow.length} solves in ${((Date.now() - t) / 1000).toFixed(1)} s`);
}

await browser.close();
await writeFile(opt.out, JSON.stringify(out));
