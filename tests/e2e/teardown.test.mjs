// End-to-end test of teardown: placeholders and <voix-form> elements that a script adds after
// load are found (MutationObserver) and mounted; once removed, each is torn down. 200 cycles in
// headless Chromium against the real collector and dist/, then the count of mounts, the
// listeners and timers added and removed, DOM nodes, the JS heap and the wasm memory, measured
// after a forced garbage collection (reported, and held to bounds that only a leak would break).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCollector, launchBrowser, shipped } from './harness.mjs';
import { openPage, hostPage } from './embed-helpers.mjs';

let collector;
let browser;

before(async () => {
  collector = await startCollector({ config: { rate_limit: { per_minute: 0 } } });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await collector?.stop();
});

// Counts listeners added and removed on shadow roots (where a widget listens), window and
// document, and timers armed, cleared and fired, from the page's start.
function track() {
  const t = { shadow: [0, 0], page: [0, 0], timers: { set: 0, cleared: 0, fired: 0 } };
  const where = (target) => (target instanceof ShadowRoot ? t.shadow : target === window || target === document ? t.page : null);
  const add = EventTarget.prototype.addEventListener;
  const remove = EventTarget.prototype.removeEventListener;
  EventTarget.prototype.addEventListener = function (type, f, o) {
    const w = where(this);
    if (w) w[0]++;
    return add.call(this, type, f, o);
  };
  EventTarget.prototype.removeEventListener = function (type, f, o) {
    const w = where(this);
    if (w) w[1]++;
    return remove.call(this, type, f, o);
  };
  const set = window.setTimeout;
  const clear = window.clearTimeout;
  const live = new Set();
  window.setTimeout = function (f, ms, ...args) {
    t.timers.set++;
    const id = set.call(window, (...a) => {
      live.delete(id);
      t.timers.fired++;
      typeof f === 'function' && f(...a);
    }, ms, ...args);
    live.add(id);
    return id;
  };
  window.clearTimeout = function (id) {
    if (live.delete(id)) t.timers.cleared++;
    return clear.call(window, id);
  };
  window.__track = t;
  window.__liveTimers = live;
}

// Runs `n` cycles in the page: add an element (even: a placeholder, odd: <voix-form>), wait for
// its form (voix:ready), remove it, wait until the widget has torn it down.
function cycles([n, glue]) {
  return (async () => {
    const zone = document.getElementById('zone');
    for (let i = 0; i < n; i++) {
      const el = document.createElement(i % 2 ? 'voix-form' : 'div');
      el.setAttribute(i % 2 ? 'form' : 'data-voix-form', 'satisfaction');
      const ready = new Promise((r) => el.addEventListener('voix:ready', r, { once: true }));
      zone.append(el);
      await ready;
      if (!el.shadowRoot.querySelector('form')) throw new Error(`cycle ${i}: no form`);
      window.__widget ??= await import(glue);
      const before = window.__widget.mounted();
      el.remove();
      for (let k = 0; window.__widget.mounted() !== before - 1; k++) {
        if (k > 1000) throw new Error(`cycle ${i}: not torn down (${window.__widget.mounted()} mounted)`);
        await new Promise((r) => requestAnimationFrame(r));
      }
      if (el.shadowRoot.childNodes.length) throw new Error(`cycle ${i}: its shadow root is not empty`);
    }
  })();
}

async function measure(page, cdp) {
  await cdp.send('HeapProfiler.collectGarbage');
  const heap = await cdp.send('Runtime.getHeapUsage');
  const dom = await cdp.send('Memory.getDOMCounters');
  const inPage = await page.evaluate(async () => {
    const exports = await window.__widget.default();
    const memory = Object.values(exports).find((v) => v instanceof WebAssembly.Memory);
    return {
      mounted: window.__widget.mounted(),
      wasm: memory.buffer.byteLength,
      track: JSON.parse(JSON.stringify(window.__track)),
      liveTimers: window.__liveTimers.size,
    };
  });
  return { heap: heap.usedSize, nodes: dom.nodes, listeners: dom.jsEventListeners, ...inPage };
}

test('200 placeholders and <voix-form> added after load and removed: no mount, listener, timer or memory left', async () => {
  const { page, context, errors } = await openPage(browser, collector, hostPage('<div id="zone"></div>'), { init: track });
  await page.waitForFunction(() => window.Voix?.version);
  const cdp = await context.newCDPSession(page);
  await page.evaluate(cycles, [20, `/${shipped('voix-widget.js')}`]);
  const warm = await measure(page, cdp);
  await page.evaluate(cycles, [180, `/${shipped('voix-widget.js')}`]);
  const done = await measure(page, cdp);
  const kb = (n) => `${(n / 1024).toFixed(0)} KiB`;
  console.log(
    `teardown, 200 cycles (100 placeholders, 100 <voix-form>): mounted ${done.mounted}; ` +
      `shadow-root listeners added ${done.track.shadow[0]}, removed ${done.track.shadow[1]}; ` +
      `window/document listeners +${done.track.page[0] - warm.track.page[0]} -${done.track.page[1] - warm.track.page[1]} ` +
      `over the last 180; timers set ${done.track.timers.set}, live ${done.liveTimers}; ` +
      `DOM nodes ${warm.nodes} → ${done.nodes}, JS listeners ${warm.listeners} → ${done.listeners}; ` +
      `JS heap ${kb(warm.heap)} → ${kb(done.heap)} (after 20 → after 200, GC forced); ` +
      `wasm memory ${kb(warm.wasm)} → ${kb(done.wasm)}`,
  );
  assert.equal(done.mounted, 0, 'every mount is gone');
  assert.ok(done.track.shadow[0] >= 200 * 4, 'each mount listens on its shadow root');
  assert.equal(done.track.shadow[1], done.track.shadow[0], 'every listener a mount added was removed');
  assert.equal(done.track.page[0] - warm.track.page[0], done.track.page[1] - warm.track.page[1], 'window/document: as many removed as added');
  assert.equal(done.liveTimers, warm.liveTimers, 'no timer left armed');
  assert.ok(done.nodes <= warm.nodes + 50, `DOM nodes: ${warm.nodes} → ${done.nodes}`);
  assert.ok(done.listeners <= warm.listeners, `JS event listeners: ${warm.listeners} → ${done.listeners}`);
  // 180 leaked mounts would hold their forms, view trees and shadow DOMs: megabytes.
  assert.ok(done.heap - warm.heap < 512 * 1024, `JS heap grew by ${kb(done.heap - warm.heap)}`);
  assert.equal(done.wasm, warm.wasm, 'the wasm memory did not grow');
  assert.deepEqual(errors, []);
  await context.close();
});
