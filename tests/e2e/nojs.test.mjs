// End-to-end tests of the no-JS form page (`/f/{id}`) in headless Chromium with JavaScript
// disabled, against the real collector (a fresh SQLite database per file). Run by
// `cargo xtask test` after `dist`, or by hand:
//   VOIX_COLLECTOR_BIN=$PWD/target/debug/voix-collector VOIX_ROOT=$PWD node --test tests/e2e/nojs.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { startCollector, launchBrowser, axeCheck, formatViolations, ROOT } from './harness.mjs';

let collector;
let browser;
let axeSource;

before(async () => {
  collector = await startCollector();
  browser = await launchBrowser();
  axeSource = await readFile(path.join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
});

after(async () => {
  await browser?.close();
  await collector?.stop();
});

// A French resident's browser by default: the page speaks the language of `Accept-Language`,
// which Playwright otherwise sends as `en-US`.
async function openPage(urlPath, { javaScriptEnabled = false, width = 1280, locale = 'fr-FR' } = {}) {
  const context = await browser.newContext({ javaScriptEnabled, locale, viewport: { width, height: 900 } });
  const page = await context.newPage();
  const response = await page.goto(collector.url + urlPath);
  return { page, context, response };
}

// axe-core schedules its work with timers, which do not run in a context without JavaScript.
// The page has no script of its own, so the same page in a context with JavaScript enabled is
// the same document: axe is checked there. It is evaluated through the DevTools protocol, which
// the page's CSP (no script source at all) does not govern.
async function assertNoAxeViolations(page, state) {
  await page.evaluate(axeSource);
  const violations = await axeCheck(page);
  assert.deepEqual(violations, [], `violations in state ${state}:\n${formatViolations(violations)}`);
}

const focused = (page) =>
  page.evaluate(() => {
    const a = document.activeElement;
    return a ? { id: a.id, tag: a.tagName.toLowerCase() } : null;
  });

// Submits the page's form; returns the response to its POST (before any redirect) once the
// resulting page (the same form, or the redirect's target) has loaded.
async function submitWith(page, action) {
  const posted = page.waitForResponse((r) => r.request().method() === 'POST');
  // eslint-disable-next-line deprecation/deprecation -- the one wait that follows redirects
  const loaded = page.waitForNavigation({ waitUntil: 'load' });
  await action();
  const [response] = await Promise.all([posted, loaded]);
  return response;
}

test('without JavaScript: errors, then a keyboard-only answer, stored once', async () => {
  const { page, context, response } = await openPage('/f/satisfaction');
  assert.equal(response.status(), 200);
  const headers = response.headers();
  assert.match(headers['content-security-policy'], /^default-src 'none'; style-src 'self'; form-action 'self'/);
  assert.equal(headers['cache-control'], 'no-store');
  assert.equal(await page.title(), 'Votre avis sur cette page — Voix');
  assert.equal(await page.locator('html').getAttribute('lang'), 'fr');
  // The stylesheet applied (the CSP allows it): the widget's look, the page's layout.
  const border = await page.locator('.voix').evaluate((e) => getComputedStyle(e).borderTopStyle);
  assert.equal(border, 'solid');

  // Sent empty: the same page, with the summary, focused on load.
  const invalid = await submitWith(page, () => page.locator('button[type=submit]').click());
  assert.equal(invalid.status(), 422);
  assert.equal(await page.title(), 'Erreur : Votre avis sur cette page — Voix');
  const summary = page.locator('#v-summary');
  assert.match(await summary.textContent(), /Il y a 1 erreur dans le formulaire/);
  assert.equal((await focused(page)).id, 'v-summary', 'the summary has focus on load');

  // Keyboard only: Tab to the summary's link and follow it to the smiley group.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('href')), '#v-note');
  await page.keyboard.press('Enter');
  let focus;
  for (let i = 0; i < 20; i++) {
    focus = await focused(page);
    if (focus?.id === 'v-note') break;
    await page.keyboard.press('Tab');
  }
  assert.equal(focus?.id, 'v-note', 'Tab reaches the first smiley');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  assert.equal((await focused(page)).id, 'v-note-good');
  assert.equal(await page.locator('#v-note-good').isChecked(), true);
  // The choice is visible without the script that sets `.on`.
  const chosen = await page
    .locator('label.smiley', { has: page.locator('#v-note-good') })
    .evaluate((e) => getComputedStyle(e).boxShadow);
  assert.notEqual(chosen, 'none');
  await page.keyboard.press('Tab');
  assert.equal((await focused(page)).id, 'v-commentaire');
  await page.keyboard.type('Très clair, merci <b>!</b>');
  await page.keyboard.press('Enter');
  await page.keyboard.type('Deuxième ligne & fin');
  await page.keyboard.press('Tab');
  assert.equal((await focused(page)).tag, 'button');
  const sent = await submitWith(page, () => page.keyboard.press('Enter'));
  assert.equal(sent.status(), 303);

  // Post/redirect/get: the thank-you page.
  assert.equal(new URL(page.url()).pathname, '/f/satisfaction/merci');
  assert.equal(await page.locator('h1#v-thanks').textContent(), 'Merci\u00a0!');
  assert.match(await page.title(), /^Réponse envoyée : Votre avis sur cette page — Voix$/);

  const rows = await collector.export('satisfaction');
  assert.equal(rows.length, 1);
  assert.deepEqual(rows[0].answers, {
    note: 'good',
    commentaire: 'Très clair, merci <b>!</b>\nDeuxième ligne & fin',
  });
  assert.match(rows[0].submission_id, /^[0-9a-f]{32}$/);
  // Reloading the thank-you page sends nothing again.
  await page.reload();
  assert.equal((await collector.export('satisfaction')).length, 1);
  await context.close();
});

test('axe-core finds no WCAG 2.1 A/AA violation: empty, errors, sent', async () => {
  const { page, context } = await openPage('/f/satisfaction', { javaScriptEnabled: true });
  await assertNoAxeViolations(page, 'empty');
  const invalid = await submitWith(page, () => page.locator('button[type=submit]').click());
  assert.equal(invalid.status(), 422);
  await assertNoAxeViolations(page, 'errors');
  await page.locator('label.smiley').nth(1).click();
  await page.locator('#v-commentaire').fill('Un commentaire bien trop long. '.repeat(20));
  const tooLong = await submitWith(page, () => page.locator('button[type=submit]').click());
  assert.equal(tooLong.status(), 422);
  await assertNoAxeViolations(page, 'text too long');
  await page.locator('#v-commentaire').fill('Correct');
  const sent = await submitWith(page, () => page.locator('button[type=submit]').click());
  assert.equal(sent.status(), 303);
  await page.locator('#v-thanks').waitFor();
  await assertNoAxeViolations(page, 'sent');
  await context.close();
});

test('without JavaScript: a double submit (same page sent twice) is stored once', async () => {
  const { page, context } = await openPage('/f/satisfaction');
  const before = (await collector.export('satisfaction')).length;
  await page.locator('label.smiley').first().click();
  // What a second click on a slow network does: the same form data posted again.
  const data = await page.evaluate(() => new URLSearchParams(new FormData(document.querySelector('form'))).toString());
  for (let i = 0; i < 2; i++) {
    const r = await page.request.post(collector.url + '/f/satisfaction', {
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: collector.url },
      data,
      maxRedirects: 0,
    });
    assert.equal(r.status(), 303);
  }
  const rows = await collector.export('satisfaction');
  assert.equal(rows.length, before + 1);
  assert.deepEqual(rows.at(-1).answers, { note: 'bad' });
  await context.close();
});

test('in Arabic (?lang=ar): right to left, no sideways scrolling at 320 px, no axe violation', async () => {
  // Without JavaScript, at the narrowest width WCAG reflow asks for (1280 px at 400 %).
  const { page, context, response } = await openPage('/f/satisfaction?lang=ar', { width: 320 });
  assert.equal(response.status(), 200);
  assert.equal(response.headers()['content-language'], 'ar');
  assert.equal(await page.locator('html').getAttribute('lang'), 'ar');
  assert.equal(await page.locator('html').getAttribute('dir'), 'rtl');
  assert.equal(await page.locator('.voix').getAttribute('dir'), 'rtl');
  assert.equal(await page.locator('.voix').evaluate((e) => getComputedStyle(e).direction), 'rtl');
  assert.equal(await page.locator('button[type=submit]').textContent(), 'إرسال');
  // The form's own words come from its Arabic translation (www/forms/satisfaction.toml): in the
  // page's language, so not marked with another `lang` nor isolated.
  assert.equal(await page.locator('h1').textContent(), 'رأيك في هذه الصفحة');
  assert.equal(await page.title(), 'رأيك في هذه الصفحة — Voix');
  assert.match(await page.locator('legend').first().textContent(), /^بشكل عام، كيف كانت تجربتك؟/);
  assert.equal(await page.locator('.voix [lang]:not(.voix)').count(), 0);
  assert.equal(await page.locator('bdi').count(), 0);
  const sideways = () =>
    page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(await sideways(), 0, 'empty form: no horizontal scrolling');

  const invalid = await submitWith(page, () => page.locator('button[type=submit]').click());
  assert.equal(invalid.status(), 422);
  // The post kept the language: the page came back in Arabic, still posting with ?lang=ar.
  assert.equal(new URL(page.url()).search, '?lang=ar');
  assert.equal(await page.locator('html').getAttribute('dir'), 'rtl');
  assert.equal(await page.locator('form').getAttribute('action'), '/f/satisfaction?lang=ar');
  assert.match(await page.locator('#v-summary').textContent(), /عدد الأخطاء في النموذج: 1/);
  // The summary names the question in Arabic too.
  assert.match(await page.locator('#v-summary a').first().textContent(), /^بشكل عام، كيف كانت تجربتك؟/);
  assert.equal((await focused(page)).id, 'v-summary');
  assert.equal(await sideways(), 0, 'errors: no horizontal scrolling');
  // The error bar is drawn on the start side, which is the right in Arabic.
  const bar = await page.locator('.q.invalid').evaluate((e) => {
    const s = getComputedStyle(e);
    return { right: s.borderRightWidth, left: s.borderLeftWidth };
  });
  assert.deepEqual(bar, { right: '4px', left: '0px' });
  await context.close();

  // axe needs JavaScript (see `assertNoAxeViolations`): the same pages in a context with it.
  const withJs = await openPage('/f/satisfaction?lang=ar', { javaScriptEnabled: true, width: 320 });
  await assertNoAxeViolations(withJs.page, 'ar empty');
  const again = await submitWith(withJs.page, () => withJs.page.locator('button[type=submit]').click());
  assert.equal(again.status(), 422);
  await assertNoAxeViolations(withJs.page, 'ar errors');
  await withJs.context.close();
});
