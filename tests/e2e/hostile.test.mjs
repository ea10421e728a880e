// Hostile host pages (www/fixtures/hostile/): aggressive global CSS, a strict CSP with Trusted
// Types, a CSP without 'wasm-unsafe-eval', polluted globals, a <base href> elsewhere, quirks
// mode, the script included twice. On each, the widget renders and submits, and the host page is
// left as it was: the same `window` keys but `Voix`, no new global style, the host elements'
// computed styles unchanged.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  ROOT,
  startCollector,
  startStaticServer,
  launchBrowser,
  consoleErrors,
  revealWidgets,
} from './harness.mjs';

let collector;
let site;
let browser;

before(async () => {
  site = await startStaticServer();
  // The base-elsewhere page is served from another origin, as a town hall's site would be.
  collector = await startCollector({ config: { allowed_origins: [site.url] } });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await site?.close();
  await collector?.stop();
});

const W = '[data-voix-form]';
const HOST = ['html', 'body', 'main', '#title', '#host-content', '#spacer', '#overlay', 'table'];
const PROPS = ['display', 'color', 'background-color', 'font-size', 'font-family', 'margin-top',
  'padding-top', 'width', 'position', 'z-index'];

// Runs before any page script: what the page looks like to the widget, for comparison later.
function snapshotHost({ hostSelectors, props }) {
  window.__voixBefore = { keys: Object.getOwnPropertyNames(window) };
  const styles = () =>
    hostSelectors.flatMap((sel) =>
      [...document.querySelectorAll(sel)].map((el) => {
        const cs = getComputedStyle(el);
        return `${sel}: ${props.map((p) => `${p}=${cs.getPropertyValue(p)}`).join('; ')}`;
      }),
    );
  const sheets = () => ({
    sheets: document.styleSheets.length,
    adopted: document.adoptedStyleSheets.length,
  });
  window.__voixHost = () => ({ styles: styles(), ...sheets() });
  document.addEventListener('DOMContentLoaded', () => {
    window.__voixBefore.host = window.__voixHost();
  });
}

async function open(url) {
  const context = await browser.newContext({ viewport: { width: 1024, height: 800 } });
  const page = await context.newPage();
  const errors = consoleErrors(page);
  await page.addInitScript(snapshotHost, { hostSelectors: HOST, props: PROPS });
  await page.goto(url);
  return { page, errors, context };
}

// The host as it is now, against the snapshot; the window keys added since the page started
// (minus the page's own, `ownGlobals`).
async function hostChanges(page, ownGlobals = []) {
  return page.evaluate((own) => {
    const before = window.__voixBefore;
    // Sets, not `includes`: a hostile page may have replaced Array.prototype.includes.
    const had = new Set(before.keys);
    const mine = new Set(own);
    const added = Object.getOwnPropertyNames(window).filter(
      (k) => !had.has(k) && !mine.has(k) && !k.startsWith('__voix'),
    );
    return { added, before: before.host, now: window.__voixHost() };
  }, ownGlobals);
}

async function answerAndSubmit(page) {
  const before = (await collector.export('satisfaction')).length;
  await page.locator(`${W} label.smiley`).nth(2).click();
  await page.locator(`${W} button[type=submit]`).click();
  // The thank-you, not the queued message: it was delivered.
  await page.locator(`${W} .thanks:not(.queued) #v-thanks`).waitFor();
  const rows = await collector.export('satisfaction');
  assert.equal(rows.length, before + 1, 'the answer is stored once');
  assert.equal(rows.at(-1).answers.note, 'good');
}

async function assertHostIntact(page, ownGlobals) {
  const { added, before, now } = await hostChanges(page, ownGlobals);
  assert.deepEqual(added, ['Voix'], 'only window.Voix is added');
  assert.deepEqual(now, before, 'no global style added, host styles unchanged');
}

for (const [fixture, ownGlobals] of [
  ['reset.html', []],
  ['csp-trusted-types.html', []],
  ['globals.html', ['fetchCalls', 'realFetch', 'define']],
  ['quirks.html', []],
  ['twice.html', []],
]) {
  test(`hostile host page ${fixture}: the widget renders and submits, the host is unchanged`, async () => {
    const { page, errors, context } = await open(`${collector.url}/fixtures/hostile/${fixture}`);
    await revealWidgets(page);
    assert.equal(await page.locator(W).count(), 1);
    // The form looks like itself: its controls are displayed, its text readable.
    const look = await page.evaluate(() => {
      const root = document.querySelector('[data-voix-form]').shadowRoot;
      const cs = (sel) => getComputedStyle(root.querySelector(sel));
      return {
        button: cs('button').display,
        smileys: cs('.smileys').display,
        font: cs('.voix').fontSize,
        forms: root.querySelectorAll('form').length,
      };
    });
    assert.notEqual(look.button, 'none');
    assert.deepEqual({ ...look, button: undefined }, { button: undefined, smileys: 'flex', font: '16px', forms: 1 });
    await answerAndSubmit(page);
    await assertHostIntact(page, ownGlobals);
    if (fixture === 'globals.html') {
      const state = await page.evaluate(() => ({
        polluted: typeof Object.prototype.polluted,
        extra: Array.prototype.extra,
        fetchCalls: window.fetchCalls,
      }));
      assert.equal(state.polluted, 'function');
      assert.equal(state.extra, 'from the host');
      // The definition and the answer went through the host's wrapped fetch.
      assert.ok(state.fetchCalls >= 2, JSON.stringify(state));
    }
    if (fixture === 'twice.html') {
      assert.equal(await page.evaluate(() => typeof window.Voix), 'object');
    }
    assert.deepEqual(errors, []);
    await context.close();
  });
}

test('hostile host page csp-no-wasm.html: the no-JS link instead, one console message', async () => {
  const { page, errors, context } = await open(`${collector.url}/fixtures/hostile/csp-no-wasm.html`);
  await page.locator(`${W} > a`).first().waitFor();
  const link = page.locator(`${W} > a`);
  assert.equal(new URL(await link.getAttribute('href')).pathname, '/f/satisfaction');
  assert.match(await link.textContent(), /sans JavaScript/);
  const voix = errors.filter((e) => e.startsWith('[voix]'));
  assert.equal(voix.length, 1, errors.join('\n'));
  assert.match(voix[0], /could not start/);
  // The host is unchanged but for the link in the placeholder.
  const { added } = await hostChanges(page);
  assert.deepEqual(added, ['Voix']);
  await context.close();
});

test('hostile host page base-elsewhere.html: files and answers use the script URL, not the base', async () => {
  const html = (await readFile(path.join(ROOT, 'www/fixtures/hostile/base-elsewhere.html'), 'utf8'))
    .replace('http://127.0.0.1:8080/voix.js', `${collector.url}/voix.js`);
  const url = site.page('/base-elsewhere.html', html);
  const { page, errors, context } = await open(url);
  const elsewhere = [];
  page.on('request', (r) => {
    if (r.url().includes('elsewhere.invalid')) elsewhere.push(r.url());
  });
  await revealWidgets(page);
  await answerAndSubmit(page);
  assert.deepEqual(elsewhere, [], 'nothing requested from the base');
  await assertHostIntact(page, []);
  assert.deepEqual(errors, []);
  await context.close();
});
