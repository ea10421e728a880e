// End-to-end tests of the triggers of the floating button and the automatic dialog, in headless
// Chromium against the real collector and dist/: after N seconds (on the page's clock, never a
// timed assertion), after N % of scroll, exit intent (desktop only), sampling (0 %, 100 %,
// and 50 % by Math.random, nothing stored), and "not again" once answered or dismissed
// (`localStorage["voix-done"]`, no identifier; storage refused behaves as empty).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCollector, launchBrowser } from './harness.mjs';
import { openPage, hostPage, deepFocus, fab, openDialog, dialogForm } from './embed-helpers.mjs';

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

const open = (html, options) => openPage(browser, collector, html, options);

const TALL = '<p>Début de l’article.</p><div style="height: 4000px"></div><p>Fin.</p>';

// The loader decides at DOMContentLoaded what it shows and which triggers it arms: once the page
// has loaded and two frames have passed, what is not there is not coming without a trigger.
async function settled(page) {
  await page.waitForFunction(() => window.Voix?.version && document.readyState === 'complete');
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

// Scrolls to `fraction` of what the page can scroll, and lets its scroll events run.
const scrollTo = (page, fraction) =>
  page.evaluate(
    (f) =>
      new Promise((r) => {
        scrollTo(0, (document.documentElement.scrollHeight - innerHeight) * f);
        requestAnimationFrame(() => requestAnimationFrame(r));
      }),
    fraction,
  );

test('after N seconds: no button before, the button after (on the page clock)', async () => {
  const { page, context, errors } = await open(hostPage(TALL, 'data-button="satisfaction" data-after-seconds="30"'), {
    before: (p) => p.clock.install(),
  });
  await settled(page);
  await page.clock.runFor(29_000);
  assert.equal(await fab(page).count(), 0, 'not before 30 s');
  await page.clock.runFor(2_000);
  await fab(page).waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});

test('after N % of scroll: the button once half the page is read; a dialog too with data-modal', async () => {
  const { page, context, errors } = await open(hostPage(TALL, 'data-button="satisfaction" data-after-scroll="50"'));
  await settled(page);
  await scrollTo(page, 0.4);
  assert.equal(await fab(page).count(), 0, 'not at 40 %');
  await scrollTo(page, 0.6);
  await fab(page).waitFor();
  await context.close();
  const modal = await open(hostPage(TALL, 'data-modal="satisfaction" data-after-scroll="90"'));
  await settled(modal.page);
  await scrollTo(modal.page, 0.5);
  assert.equal(await openDialog(modal.page).count(), 0);
  await scrollTo(modal.page, 1);
  await dialogForm(modal.page).waitFor();
  assert.equal((await deepFocus(modal.page)).inDialog, true, 'focus goes into the dialog');
  assert.equal(await fab(modal.page).count(), 0, 'data-modal alone shows no button');
  assert.deepEqual([...errors, ...modal.errors], []);
  await modal.context.close();
  // A page too short to scroll is read whole: the button shows once it has loaded.
  const short = await open(hostPage('<p>Court.</p>', 'data-button="satisfaction" data-after-scroll="50"'));
  await fab(short.page).waitFor();
  await short.context.close();
});

test('exit intent: the dialog opens when the pointer leaves through the top, on a desktop only', async () => {
  const page0 = hostPage(TALL, 'data-modal="satisfaction" data-exit-intent');
  const { page, context, errors } = await open(page0);
  await settled(page);
  await page.mouse.move(600, 400);
  await page.mouse.move(600, 950); // out through the bottom: not leaving the page
  await page.mouse.move(600, 400);
  await page.mouse.move(1300, 400); // nor through the side
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  assert.equal(await openDialog(page).count(), 0);
  await page.mouse.move(600, 400);
  await page.mouse.move(600, -5);
  await dialogForm(page).waitFor();
  await page.keyboard.press('Escape');
  await openDialog(page).waitFor({ state: 'detached' });
  // Once: leaving again does not reopen it.
  await page.mouse.move(600, 400);
  await page.mouse.move(600, -5);
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  assert.equal(await openDialog(page).count(), 0);
  assert.deepEqual(errors, []);
  await context.close();
  // A touch screen has no pointer to leave with: the trigger is not armed.
  const phone = await open(page0, { context: { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true } });
  await settled(phone.page);
  await phone.page.mouse.move(200, 400);
  await phone.page.mouse.move(200, -5);
  await phone.page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  assert.equal(await openDialog(phone.page).count(), 0);
  await phone.context.close();
});

test('sampling: 0 % never, 100 % always, 50 % as Math.random draws; nothing stored, nothing fetched', async () => {
  const cases = [
    ['0', undefined, false],
    ['100', undefined, true],
    ['50', 0.49, true],
    ['50', 0.51, false],
  ];
  for (const [sample, draw, shown] of cases) {
    const fetched = [];
    const { page, context, errors } = await open(hostPage('<p>Article.</p>', `data-button="satisfaction" data-sample="${sample}"`), {
      init: draw === undefined ? undefined : `Math.random = () => ${draw};`,
      before: (p) => p.on('request', (r) => /voix_bg\.|voix-widget\.|\/v1\//.test(r.url()) && fetched.push(r.url())),
    });
    await settled(page);
    assert.equal(await fab(page).count(), shown ? 1 : 0, `data-sample=${sample}, Math.random() = ${draw}`);
    const stored = await page.evaluate(() => [Object.keys(localStorage), Object.keys(sessionStorage), document.cookie]);
    assert.deepEqual(stored, [[], [], ''], 'the draw is not remembered');
    assert.deepEqual(fetched, [], 'no widget for a button not pressed');
    assert.deepEqual(errors, []);
    await context.close();
  }
});

test('not again once answered: voix-done holds "answered" and no identifier, the button is gone next time', async () => {
  const html = hostPage('<p>Article.</p>', 'data-button="satisfaction" data-once');
  // One context (one browser profile) for both visits, so localStorage is shared.
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.route(`${collector.url}/embed/once.html`, (r) => r.fulfill({ contentType: 'text/html', body: html }));
  await page.goto(`${collector.url}/embed/once.html`);
  await fab(page).click();
  await dialogForm(page).waitFor();
  await page.locator('dialog[open] [data-voix-modal] label.smiley').nth(2).click();
  await page.locator('dialog[open] [data-voix-modal] button[type=submit]').click();
  await page.locator('dialog[open] [data-voix-modal] .thanks:not(.queued)').waitFor();
  await page.keyboard.press('Escape');
  await openDialog(page).waitFor({ state: 'detached' });
  const stored = await page.evaluate(() => Object.fromEntries(Object.keys(localStorage).map((k) => [k, localStorage[k]])));
  assert.deepEqual(stored, { 'voix-done': '{"satisfaction":"answered"}' }, 'closing after answering stays "answered"');
  await page.reload();
  await settled(page);
  assert.equal(await fab(page).count(), 0);
  await context.close();
});

test('not again once dismissed: closing without answering stores "dismissed"; with data-modal too', async () => {
  for (const script of ['data-button="satisfaction" data-once', 'data-modal="satisfaction" data-after-seconds="0" data-once']) {
    const html = hostPage('<p>Article.</p>', script);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.route(`${collector.url}/embed/dismiss.html`, (r) => r.fulfill({ contentType: 'text/html', body: html }));
    await page.goto(`${collector.url}/embed/dismiss.html`);
    if (script.includes('data-button')) await fab(page).click();
    await dialogForm(page).waitFor();
    await page.keyboard.press('Escape');
    await openDialog(page).waitFor({ state: 'detached' });
    // Written on the dialog's `close` event, a task of its own after closing.
    await page.waitForFunction(() => localStorage.getItem('voix-done') !== null, null, { timeout: 5000 }).catch(() => {});
    assert.equal(await page.evaluate(() => localStorage.getItem('voix-done')), '{"satisfaction":"dismissed"}', script);
    await page.reload();
    await settled(page);
    assert.equal(await fab(page).count(), 0, script);
    assert.equal(await openDialog(page).count(), 0, script);
    await context.close();
  }
});

test('storage refused: the button shows every time, nothing is thrown, nothing remembered', async () => {
  const refuse = () =>
    Object.defineProperty(window, 'localStorage', {
      get() {
        throw new DOMException('The operation is insecure.', 'SecurityError');
      },
    });
  const { page, context, errors } = await open(hostPage('<p>Article.</p>', 'data-button="satisfaction" data-once'), { init: refuse });
  await fab(page).click();
  await dialogForm(page).waitFor();
  await page.keyboard.press('Escape');
  await openDialog(page).waitFor({ state: 'detached' });
  await page.reload();
  await fab(page).waitFor();
  assert.deepEqual(errors.filter((e) => e.startsWith('uncaught')), []);
  await context.close();
});

test('bad trigger attributes: one [voix] message each, nothing shown, the page intact', async () => {
  const cases = [
    ['data-button="satisfaction" data-sample="beaucoup"', '[voix] data-sample="beaucoup": use a number from 0 to 100'],
    ['data-button="satisfaction" data-after-scroll="150"', '[voix] data-after-scroll="150": use a number from 0 to 100'],
    ['data-modal="satisfaction"', '[voix] data-modal needs a trigger: data-after-seconds, data-after-scroll or data-exit-intent'],
    ['data-button="Satisfaction!"', '[voix] data-button, data-modal: give the form id, as in data-button="satisfaction"'],
  ];
  for (const [script, message] of cases) {
    const { page, context, errors } = await open(hostPage('<p id="host">Contenu</p>', script));
    await settled(page);
    assert.deepEqual(errors, [message], script);
    assert.equal(await fab(page).count(), 0);
    assert.equal(await openDialog(page).count(), 0);
    assert.equal(await page.locator('#host').textContent(), 'Contenu');
    await context.close();
  }
});
