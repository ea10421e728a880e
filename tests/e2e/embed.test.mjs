// End-to-end tests of every way to put a form on a page, in headless Chromium against the real
// collector and dist/: the floating button and its dialog, `data-voix-open`, link upgrade (with
// JavaScript on, off, and without wasm), `<voix-form>` added by a script, the JS API (events,
// options, queued calls), the ES module build, and the host page left as it was. axe-core in
// each new state, light and dark; screenshots of the button and the dialog at 390 and 1280 px
// in tests/e2e/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { startCollector, launchBrowser, axeCheck, formatViolations, consoleErrors, ROOT, shipped } from './harness.mjs';
import { openPage, hostPage, deepFocus, fab, openDialog, dialogForm, recordEvents, events } from './embed-helpers.mjs';

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

async function noViolations(page, state) {
  const violations = await axeCheck(page);
  assert.deepEqual(violations, [], `axe-core, ${state}:\n${formatViolations(violations)}`);
}

const SHOTS = path.join(ROOT, 'tests', 'e2e', 'screenshots');

test('floating button → dialog → keyboard answer → focus back on the button; Escape closes too', async () => {
  const { page, context, errors } = await open('/bouton.html', { init: recordEvents });
  const widget = [];
  page.on('request', (r) => /\/(voix_bg|voix-widget)\.[0-9a-f]+\.(wasm|js)$/.test(r.url()) && widget.push(r.url()));
  await fab(page).waitFor();
  assert.equal(await fab(page).textContent(), 'Donner mon avis');
  assert.deepEqual(widget, [], 'the widget is not fetched before the resident shows interest');
  // Keyboard only: focus the button (Tab from the end of the page), Enter.
  await fab(page).focus();
  assert.ok((await deepFocus(page)).inButtonHost);
  await page.keyboard.press('Enter');
  await dialogForm(page).waitFor();
  assert.ok(widget.length >= 2, 'focusing or pressing the button fetched the widget');
  // The dialog is modal, named by the form's title, and has focus (its close button first).
  const dialog = await page.evaluate(() => {
    const d = [...document.body.children].map((e) => e.shadowRoot?.querySelector('dialog')).find(Boolean);
    return { label: d.getAttribute('aria-label'), modal: d.matches(':modal'), lang: d.lang };
  });
  assert.deepEqual(dialog, { label: 'Votre avis sur cette page', modal: true, lang: 'fr' });
  let focus = await deepFocus(page);
  assert.equal(focus.inDialog, true);
  assert.equal(focus.text, '× Fermer');
  // Focus stays inside: Tab and Shift+Tab never reach the page behind.
  for (const key of [...Array(12).fill('Tab'), ...Array(12).fill('Shift+Tab')]) {
    await page.keyboard.press(key);
    focus = await deepFocus(page);
    assert.ok(focus === null || focus.inDialog, `${key} left the dialog: ${JSON.stringify(focus)}`);
  }
  // Answer by keyboard: first smiley, arrows, the comment, submit.
  await page.locator('dialog [data-voix-modal] #v-note').focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Tab');
  await page.keyboard.type('Depuis la fenêtre');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await page.locator('dialog [data-voix-modal] .thanks:not(.queued)').waitFor();
  assert.equal((await deepFocus(page)).id, 'v-thanks', 'the thank-you heading takes focus, in the dialog');
  // It does not close by itself (RGAA 13.1): the resident closes it.
  assert.equal(await openDialog(page).count(), 1);
  await page.locator('dialog[open] > button').click();
  await openDialog(page).waitFor({ state: 'detached' });
  focus = await deepFocus(page);
  assert.ok(focus?.inButtonHost, `focus back on the floating button: ${JSON.stringify(focus)}`);
  const rows = await collector.export('satisfaction');
  assert.deepEqual(rows.at(-1).answers, { note: 'average', commentaire: 'Depuis la fenêtre' });
  // Open again (answers and thanks kept), Escape closes, focus back on the button.
  await page.keyboard.press('Enter');
  await openDialog(page).waitFor();
  assert.equal(await page.locator('dialog[open] [data-voix-modal] .thanks').count(), 1, 'the same form, as left');
  await page.keyboard.press('Escape');
  await openDialog(page).waitFor({ state: 'detached' });
  assert.ok((await deepFocus(page))?.inButtonHost);
  // The dialog's `close` event, which voix:close follows, is a task of its own after closing.
  await page.waitForFunction(() => window.__voixEvents.filter((e) => e.type === 'voix:close').length >= 2);
  const seen = (await events(page)).map((e) => [e.type, e.detail.reason ?? null, e.detail.answered ?? null]);
  assert.deepEqual(seen, [
    ['voix:ready', null, null],
    ['voix:submit', null, null],
    ['voix:success', null, null],
    ['voix:close', 'button', true],
    ['voix:close', 'escape', true],
  ]);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the button and the dialog: 44 px targets, no animation, forced colours, axe light and dark, screenshots', async () => {
  await mkdir(SHOTS, { recursive: true });
  for (const colorScheme of ['light', 'dark']) {
    for (const width of [390, 1280]) {
      const { page, context, errors } = await open('/bouton.html', {
        context: { viewport: { width, height: 844 }, colorScheme, reducedMotion: 'reduce' },
      });
      await fab(page).waitFor();
      const box = await fab(page).boundingBox();
      assert.ok(box.width >= 44 && box.height >= 44, JSON.stringify(box));
      assert.ok(box.x + box.width <= width && box.y + box.height <= 844, 'inside the viewport');
      await noViolations(page, `floating button, ${colorScheme}, ${width} px`);
      await page.screenshot({ path: path.join(SHOTS, `button-${width}-${colorScheme}.png`) });
      await fab(page).click();
      await dialogForm(page).waitFor();
      const close = await page.locator('dialog[open] > button').boundingBox();
      assert.ok(close.width >= 44 && close.height >= 44, JSON.stringify(close));
      // Nothing moves: no animation to turn off under prefers-reduced-motion.
      assert.equal(await page.evaluate(() => document.getAnimations().length), 0);
      const d = await openDialog(page).boundingBox();
      assert.ok(d.x >= 0 && d.x + d.width <= width, `the dialog fits the width: ${JSON.stringify(d)}`);
      await noViolations(page, `open dialog, ${colorScheme}, ${width} px`);
      await page.screenshot({ path: path.join(SHOTS, `dialog-${width}-${colorScheme}.png`) });
      assert.deepEqual(errors, []);
      await context.close();
    }
  }
  // Forced colours: the system draws the dialog's border and the button's.
  const { page, context } = await open('/bouton.html', { context: { forcedColors: 'active' } });
  await fab(page).click();
  await dialogForm(page).waitFor();
  const look = await page.evaluate(() => {
    const hosts = [...document.body.children].filter((e) => e.shadowRoot);
    const d = hosts.map((h) => h.shadowRoot.querySelector('dialog')).find(Boolean);
    const b = hosts.map((h) => h.shadowRoot.querySelector('button[aria-haspopup]')).find(Boolean);
    const cs = (e) => getComputedStyle(e);
    return { dialog: [cs(d).borderTopStyle, cs(d).borderTopColor], button: [cs(b).borderTopStyle, cs(b).borderTopColor] };
  });
  for (const [what, [style, colour]] of Object.entries(look)) {
    assert.equal(style, 'solid', what);
    assert.notEqual(colour, 'rgba(0, 0, 0, 0)', what);
  }
  await context.close();
});

test('the floating button shows its focus: an outline ≥ 3:1 against the button, on a ring of background', async () => {
  const { page, context } = await open('/bouton.html');
  await fab(page).focus();
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Tab');
  const ring = await page.evaluate(() => {
    const b = [...document.body.children].map((h) => h.shadowRoot?.querySelector('button[aria-haspopup]')).find(Boolean);
    const cs = getComputedStyle(b);
    const lum = (c) => {
      const [r, g, bl] = c.match(/[\d.]+/g).slice(0, 3).map(Number).map((v) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
    };
    const ratio = (a, c) => {
      const [hi, lo] = [lum(a), lum(c)].sort((x, y) => y - x);
      return (hi + 0.05) / (lo + 0.05);
    };
    return {
      focused: b.matches(':focus-visible'),
      style: cs.outlineStyle,
      width: parseFloat(cs.outlineWidth),
      halo: cs.boxShadow,
      contrast: ratio(cs.outlineColor, 'rgb(255, 255, 255)'),
    };
  });
  assert.equal(ring.focused, true);
  assert.equal(ring.style, 'solid');
  assert.ok(ring.width >= 3);
  assert.match(ring.halo, /0px 0px 0px 2px/);
  assert.ok(ring.contrast >= 3, `focus outline against its white ring: ${ring.contrast.toFixed(2)}`);
  await context.close();
});

test('an element with data-voix-open opens its form; a link keeps its page for a new tab', async () => {
  const { page, context, errors } = await open('/modale.html', { init: recordEvents });
  const link = page.locator('a[data-voix-open]');
  const button = page.locator('button[data-voix-open]');
  await link.click();
  await dialogForm(page).waitFor();
  assert.equal(new URL(page.url()).pathname, '/modale.html', 'the link did not navigate');
  await noViolations(page, 'dialog opened by a link');
  await page.keyboard.press('Escape');
  await openDialog(page).waitFor({ state: 'detached' });
  assert.equal((await deepFocus(page)).text, 'Donner mon avis sur le projet', 'focus back on the link');
  await button.focus();
  await page.keyboard.press('Enter');
  await openDialog(page).waitFor();
  await page.locator('dialog[open] > button').click();
  await openDialog(page).waitFor({ state: 'detached' });
  assert.equal((await deepFocus(page)).text, 'Répondre au questionnaire', 'focus back on the button');
  // Ctrl+click is the browser's: a new tab with the no-JS page, no dialog.
  const popup = context.waitForEvent('page');
  await link.click({ modifiers: ['Control'] });
  const tab = await popup;
  await tab.waitForLoadState();
  assert.equal(new URL(tab.url()).pathname, '/f/satisfaction');
  assert.equal(await openDialog(page).count(), 0);
  const closes = (await events(page)).filter((e) => e.type === 'voix:close').map((e) => e.detail);
  assert.deepEqual(closes, [
    { form: 'satisfaction', reason: 'escape', answered: false },
    { form: 'satisfaction', reason: 'button', answered: false },
  ]);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a form the dialog cannot show: it says so with the no-JS link; once the wasm has failed, links are links', async () => {
  const { page, context, errors } = await open(hostPage('<p><a href="/f/satisfaction" data-voix-open="satisfaction">Avis</a></p>'));
  await page.waitForFunction(() => window.Voix?.version);
  await page.evaluate(() => Voix.open('nexiste-pas'));
  const link = page.locator('dialog[open] p[role=status] a');
  await link.waitFor();
  assert.equal(await link.textContent(), 'Répondre au questionnaire (version sans JavaScript)');
  assert.equal(new URL(await link.getAttribute('href')).pathname, '/f/nexiste-pas');
  assert.deepEqual(
    errors.filter((e) => e.startsWith('[voix]')),
    [`[voix] form "nexiste-pas" does not exist at ${collector.url}`],
  );
  await page.keyboard.press('Escape');
  await context.close();
  // The wasm blocked: the dialog offers the no-JS page, and the next click simply follows the link.
  const blocked = await open(hostPage('<p><a href="/f/satisfaction" data-voix-open="satisfaction">Avis</a></p>'), {
    before: (p) => p.route(`**/${shipped('voix_bg.wasm')}`, (route) => route.abort('blockedbyclient')),
  });
  await blocked.page.locator('a[data-voix-open]').click();
  await blocked.page.locator('dialog[open] p[role=status] a').waitFor();
  await blocked.page.keyboard.press('Escape');
  await blocked.page.locator('a[data-voix-open]').click();
  await blocked.page.waitForURL('**/f/satisfaction');
  await blocked.context.close();
});

test('link upgrade: the link to the no-JS page becomes the form once it is ready', async () => {
  for (const colorScheme of ['light', 'dark']) {
    const { page, context, errors } = await open('/lien.html', { context: { colorScheme } });
    // The article is short: the link is within a screen of the viewport from the start.
    await page.locator('a[href="/f/satisfaction"]').waitFor({ state: 'detached' });
    const where = await page.evaluate(() => {
      const host = [...document.querySelectorAll('article div')].find((d) => d.shadowRoot);
      return {
        form: !!host.shadowRoot.querySelector('form'),
        parent: host.parentElement.tagName.toLowerCase(),
        text: host.parentElement.textContent.trim(),
      };
    });
    assert.deepEqual(where, { form: true, parent: 'p', text: 'Cette page vous a-t-elle aidé\u00a0?' });
    await noViolations(page, `upgraded link, ${colorScheme}`);
    assert.deepEqual(errors, []);
    await context.close();
  }
});

test('link upgrade: ?lang= is kept, only links to this collector are taken, data-voix opts one in', async () => {
  const body = `
    <p><a id="en" href="/f/satisfaction?lang=en" data-voix>Give feedback</a></p>
    <p><a id="plain" href="/f/satisfaction">Pas choisi (ni data-voix ni data-upgrade-links)</a></p>
    <p><a id="other" href="https://avis.example.org/f/satisfaction" data-voix>Un autre collecteur</a></p>
    <p><a id="notform" href="/f/Pas-Un-Id" data-voix>Pas un identifiant</a></p>`;
  const { page, context, errors } = await open(hostPage(body));
  await page.locator('#en').waitFor({ state: 'detached' });
  assert.equal(await page.locator('main div >> button[type=submit]').textContent(), 'Send');
  assert.equal(await page.locator('main div >> [lang]').first().getAttribute('lang'), 'en');
  for (const id of ['plain', 'other', 'notform']) assert.equal(await page.locator('#' + id).count(), 1, id);
  assert.deepEqual(errors, []);
  await context.close();
});

test('link upgrade without JavaScript: the same link opens the no-JS page, which takes the answer', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false, locale: 'fr-FR' });
  const page = await context.newPage();
  await page.goto(collector.url + '/lien.html');
  const before = (await collector.export('satisfaction')).length;
  await page.getByRole('link', { name: 'Donner mon avis sur cette page' }).click();
  await page.waitForURL('**/f/satisfaction');
  await page.locator('label.smiley').nth(2).click();
  await page.locator('button[type=submit]').click();
  await page.getByRole('heading', { name: /Merci/ }).waitFor();
  const rows = await collector.export('satisfaction');
  assert.equal(rows.length, before + 1);
  assert.deepEqual(rows.at(-1).answers, { note: 'good' });
  await context.close();
});

test('link upgrade when the wasm cannot start: the link stays, one console message', async () => {
  const { page, context, errors } = await open('/lien.html', {
    before: (p) => p.route(`**/${shipped('voix_bg.wasm')}`, (route) => route.abort('blockedbyclient')),
  });
  const link = page.locator('a[href="/f/satisfaction"]');
  await link.scrollIntoViewIfNeeded();
  for (let i = 0; i < 100 && !errors.some((e) => e.startsWith('[voix]')); i++) await page.waitForTimeout(50);
  assert.deepEqual(
    errors.filter((e) => e.startsWith('[voix]')).map((e) => e.slice(0, 35)),
    ['[voix] the form could not start (We'],
  );
  assert.equal(await link.count(), 1, 'the working link is still there');
  assert.equal(await page.locator('a[data-voix-fallback]').count(), 0, 'and no second one');
  await context.close();
});

test('<voix-form> added by a script later, removed, added again; lang and endpoint attributes', async () => {
  for (const colorScheme of ['light', 'dark']) {
    const { page, context, errors } = await open('/element.html', { context: { colorScheme }, init: recordEvents });
    assert.equal(await page.locator('voix-form').count(), 0);
    await page.getByRole('button', { name: 'Afficher le questionnaire' }).click();
    await page.locator('voix-form form').waitFor();
    await noViolations(page, `<voix-form>, ${colorScheme}`);
    await page.locator('voix-form label.smiley').first().click();
    await page.getByRole('button', { name: 'Retirer le questionnaire' }).click();
    await page.getByRole('button', { name: 'Afficher le questionnaire' }).click();
    await page.locator('voix-form form').waitFor();
    assert.equal(await page.locator('voix-form input:checked').count(), 0, 'a fresh form');
    const ready = (await events(page)).filter((e) => e.type === 'voix:ready');
    assert.deepEqual(ready.map((e) => e.target), ['voix-form', 'voix-form']);
    const mounted = await page.evaluate(async (glue) => (await import(glue)).mounted(), `/${shipped('voix-widget.js')}`);
    assert.equal(mounted, 1, 'the removed one was torn down');
    assert.deepEqual(errors, []);
    await context.close();
  }
  const body = `<div id="zone"></div>`;
  const { page, context, errors } = await open(hostPage(body));
  await page.evaluate((endpoint) => {
    const el = document.createElement('voix-form');
    el.setAttribute('form', 'satisfaction');
    el.setAttribute('lang', 'en');
    el.setAttribute('endpoint', endpoint);
    document.getElementById('zone').append(el);
  }, collector.url);
  await page.locator('voix-form form').waitFor();
  assert.equal(await page.locator('voix-form button[type=submit]').textContent(), 'Send');
  assert.deepEqual(errors, []);
  await context.close();
});

test('voix:* events: ready, submit and success with the submission id, error with its code', async () => {
  const body = `<div id="a"></div><div id="b"></div>`;
  const { page, context, errors } = await open(hostPage(body), { init: recordEvents });
  await page.waitForFunction(() => window.Voix?.version);
  // Answers to form "b" are refused for good (404): an error with its code.
  await page.route('**/v1/forms/satisfaction/responses', (route) =>
    route.request().postData().includes('"refuse"')
      ? route.fulfill({ status: 404, contentType: 'application/json', body: '{"error":{"code":"not_found","message":"x","field":null}}' })
      : route.continue(),
  );
  await page.evaluate(() => {
    document.getElementById('a').addEventListener('voix:success', (e) => {
      window.__success = { detail: e.detail, bubbles: e.bubbles, composed: e.composed, on: e.currentTarget.id };
    });
    Voix.mount(document.getElementById('a'), { form: 'satisfaction' });
    Voix.mount(document.getElementById('b'), { form: 'satisfaction' });
  });
  await page.locator('#a form').waitFor();
  await page.locator('#b form').waitFor();
  await page.locator('#a label.smiley').nth(2).click();
  await page.locator('#a button[type=submit]').click();
  await page.waitForFunction(() => window.__success);
  const success = await page.evaluate(() => window.__success);
  const rows = await collector.export('satisfaction');
  assert.deepEqual(success, {
    detail: { form: 'satisfaction', submission: rows.at(-1).submission_id },
    bubbles: true,
    composed: true,
    on: 'a',
  });
  await page.locator('#b label.smiley').first().click();
  await page.locator('#b #v-commentaire').fill('refuse');
  await page.locator('#b button[type=submit]').click();
  await page.locator('#b [role=alert]').waitFor();
  const seen = await events(page);
  const submitted = seen.filter((e) => e.type === 'voix:submit').map((e) => e.detail.submission);
  assert.equal(submitted.length, 2);
  assert.deepEqual(
    seen.map((e) => [e.type, e.detail]),
    [
      ['voix:ready', { form: 'satisfaction', title: 'Votre avis sur cette page' }],
      ['voix:ready', { form: 'satisfaction', title: 'Votre avis sur cette page' }],
      ['voix:submit', { form: 'satisfaction', submission: submitted[0] }],
      ['voix:success', { form: 'satisfaction', submission: submitted[0] }],
      ['voix:submit', { form: 'satisfaction', submission: submitted[1] }],
      ['voix:error', { form: 'satisfaction', submission: submitted[1], code: 'not_found' }],
    ],
  );
  assert.deepEqual(errors.filter((e) => !e.startsWith('Failed to load resource')), []);
  await context.close();
});

test('JS API: bad input gets one [voix] message each and voix:error; options can carry a definition', async () => {
  const body = `<div id="a"></div><div id="b"></div><div id="c"></div><p id="host">Contenu</p>`;
  const { page, context, errors } = await open(hostPage(body), { init: recordEvents });
  await page.waitForFunction(() => window.Voix?.version);
  await page.evaluate(() => {
    Voix.mount(document.getElementById('a'), { form: 'satisfaction', colour: 'red', onSubmit: 1 });
    Voix.mount(document.getElementById('b'), { form: 5 });
    Voix.mount('#c', { form: 'satisfaction' });
    Voix.open('Pas Un Id');
    Voix.mount(document.getElementById('c'), {
      form: 'velo',
      definition: {
        id: 'velo',
        title: 'Pistes cyclables',
        questions: [{ id: 'note', type: 'smileys', label: 'Qu’en pensez-vous ?', required: true }],
      },
    });
  });
  await page.locator('#c form').waitFor();
  assert.equal(await page.locator('#c h2').first().textContent(), 'Pistes cyclables');
  // The loader's own checks speak at once, the widget's when it has loaded: compare as sets.
  assert.deepEqual(errors.sort(), [
    '[voix] Voix.mount: the first argument must be an element',
    '[voix] Voix.open("Pas Un Id"): a form id is 1 to 64 characters among a-z 0-9 _ -',
    '[voix] options: invalid type: floating point `5.0`, expected a string',
    '[voix] unknown options "colour", "onSubmit" (the options are form, endpoint, lang, definition, theme, strings)',
  ]);
  const failed = (await events(page)).filter((e) => e.type === 'voix:error').map((e) => e.detail);
  assert.deepEqual(failed, [
    { form: '', code: 'invalid' },
    { form: '', code: 'invalid' },
  ]);
  assert.equal(await page.evaluate(() => document.querySelectorAll('#a, #b').length), 2);
  assert.equal(await page.locator('#host').textContent(), 'Contenu');
  assert.equal(await openDialog(page).count(), 0);
  await context.close();
});

test('calls queued before voix.js are replayed in order; Voix is the only global added', async () => {
  const stub =
    'window.Voix=window.Voix||{q:[]};["mount","unmount","open","close","destroy"].forEach(function(n){Voix[n]=Voix[n]||function(){Voix.q.push([n,arguments])}})';
  const html = `<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>File d'attente</title></head>
<body><main><h1>Appels en attente</h1><div id="a"></div><div id="b"></div></main>
<script>${stub}</script>
<script>
  Voix.mount(document.getElementById('a'), { form: 'satisfaction' });
  Voix.destroy();
  Voix.mount(document.getElementById('b'), { form: 'satisfaction' });
  Voix.open('satisfaction');
</script>
<script src="/voix.js" async></script></body></html>`;
  const { page, context, errors } = await open(html, {
    init: () => {
      window.__before = Object.getOwnPropertyNames(window);
    },
  });
  await page.locator('#b form').waitFor();
  await dialogForm(page).waitFor();
  assert.equal(await page.evaluate(() => !!document.getElementById('a').shadowRoot), false, 'destroyed before it was shown');
  const added = await page.evaluate(() =>
    Object.getOwnPropertyNames(window).filter((k) => !window.__before.includes(k) && k !== '__before'),
  );
  assert.deepEqual(added, ['Voix']);
  assert.equal(await page.evaluate(() => typeof Voix.version), 'string');
  // Voix.destroy() now takes down what the API showed: the mount and the dialog.
  await page.evaluate(() => Voix.destroy());
  await page.waitForFunction(() => !document.getElementById('b').shadowRoot.querySelector('form'));
  await page.waitForFunction(() => ![...document.body.children].some((e) => e.shadowRoot?.querySelector('dialog')));
  assert.deepEqual(errors, []);
  await context.close();
});

test('the ES module build: importable, its exports are what voix.d.ts declares, and it works', async () => {
  const types = await readFile(path.join(ROOT, 'dist', 'npm', 'voix.d.ts'), 'utf8');
  const declared = [...types.matchAll(/^export declare (function|const) (\w+)/gm)].map((m) => [m[2], m[1]]);
  assert.ok(declared.length >= 6, types);
  const pkg = JSON.parse(await readFile(path.join(ROOT, 'dist', 'npm', 'package.json'), 'utf8'));
  const shipped = await readdir(path.join(ROOT, 'dist', 'npm'));
  for (const file of [pkg.module, pkg.types, pkg.exports['.'].import, pkg.exports['.'].types, ...pkg.files]) {
    if (file.includes('*')) {
      // A pattern (the locale packs): it matches files that are there.
      const re = new RegExp(`^${file.replace(/[.]/g, '\\.').replace('*', '[a-z]+')}$`);
      assert.ok(shipped.filter((f) => re.test(f)).length >= 5, `${file} in ${shipped}`);
    } else {
      await readFile(path.join(ROOT, 'dist', 'npm', file)); // exists
    }
  }
  const html = `<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Module</title></head>
<body><main><h1>Module</h1><div id="a"></div></main>
<script type="module">
  import * as voix from '/npm/voix.mjs';
  window.__module = voix;
</script></body></html>`;
  const { page, context, errors } = await open(html);
  await page.waitForFunction(() => window.__module);
  const exported = await page.evaluate(() => Object.entries(window.__module).map(([k, v]) => [k, typeof v]));
  const kinds = { function: 'function', const: 'string' };
  assert.deepEqual(
    exported.sort(),
    declared.map(([name, kind]) => [name, kinds[kind]]).sort(),
    'every declared name is exported with its kind, and nothing else',
  );
  // Nothing is fetched until a form is asked for; then it works like the script tag.
  await page.evaluate((endpoint) => window.__module.mount(document.getElementById('a'), { form: 'satisfaction', endpoint }), collector.url);
  await page.locator('#a form').waitFor();
  await page.evaluate((endpoint) => window.__module.open('satisfaction', { endpoint }), collector.url);
  await dialogForm(page).waitFor();
  await page.evaluate(() => window.__module.close());
  await openDialog(page).waitFor({ state: 'detached' });
  assert.equal(await page.evaluate(() => window.Voix), undefined, 'the module sets no global');
  assert.deepEqual(errors, []);
  await context.close();
});

test('the host page is left as it was: same computed styles, no global style, one global', async () => {
  // Every element of the page with voix.js blocked, then with the button shown and the dialog
  // opened and closed.
  const snapshot = (page) =>
    page.evaluate(() => {
      const keep = ['display', 'position', 'color', 'background-color', 'font-family', 'font-size', 'margin-top',
        'padding-top', 'width', 'height', 'overflow', 'z-index', 'visibility', 'opacity', 'filter', 'transform'];
      const ours = (e) => e.parentElement === document.body && e.shadowRoot && !e.attributes.length;
      return {
        elements: [...document.querySelectorAll('body *')]
          .filter((e) => !ours(e))
          .map((e) => {
            const cs = getComputedStyle(e);
            return e.tagName + ' ' + keep.map((k) => cs.getPropertyValue(k)).join('|');
          }),
        sheets: document.styleSheets.length,
        adopted: document.adoptedStyleSheets.length,
      };
    });
  const blocked = await open('/bouton.html', { before: (p) => p.route('**/voix.js', (r) => r.abort()) });
  await blocked.page.waitForLoadState('load');
  const without = await snapshot(blocked.page);
  await blocked.context.close();
  const { page, context, errors } = await open('/bouton.html', {
    init: () => {
      window.__before = Object.getOwnPropertyNames(window);
    },
  });
  await fab(page).waitFor();
  assert.deepEqual(await snapshot(page), without, 'with the button');
  await fab(page).click();
  await dialogForm(page).waitFor();
  await page.keyboard.press('Escape');
  await openDialog(page).waitFor({ state: 'detached' });
  assert.deepEqual(await snapshot(page), without, 'after the dialog');
  const added = await page.evaluate(() => Object.getOwnPropertyNames(window).filter((k) => !window.__before.includes(k) && k !== '__before'));
  assert.deepEqual(added, ['Voix']);
  // What voix.js added to the page: two elements at the end of <body>, nothing elsewhere.
  const extra = await page.evaluate(() =>
    [...document.body.children].filter((e) => e.shadowRoot && !e.attributes.length).length,
  );
  assert.equal(extra, 2);
  assert.deepEqual(errors, []);
  await context.close();
});

test('demo index links every embedding demo', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = consoleErrors(page);
  await page.goto(collector.url + '/index.html');
  for (const demo of ['bouton.html', 'modale.html', 'lien.html', 'element.html', 'api.html', 'declencheurs.html']) {
    assert.equal(await page.locator(`a[href="${demo}"]`).count(), 1, demo);
  }
  // The JS API demo: its buttons open, mount and tear down, and the log lists the events.
  await page.goto(collector.url + '/api.html');
  await page.getByRole('button', { name: "L'afficher dans la page" }).click();
  await page.locator('#ici-zone form').waitFor();
  await page.getByRole('button', { name: 'Ouvrir le questionnaire' }).click();
  await dialogForm(page).waitFor();
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'Tout retirer' }).click();
  await page.waitForFunction(() => !document.getElementById('ici-zone').shadowRoot.querySelector('form'));
  const log = await page.locator('#journal li').allTextContents();
  assert.deepEqual(
    log.map((l) => l.split(' ')[0]),
    ['voix:ready', 'voix:ready', 'voix:close'],
  );
  assert.deepEqual(errors, []);
  await context.close();
});
