// End-to-end tests of the widget's languages and themes, in headless Chromium against the real
// collector and dist/: a German page gets German words (the pack beside voix.js) and the German
// definition (`?lang=de`), texts left in French marked as such; an Arabic page right to left
// (screenshots in tests/e2e/screenshots/); a site's replacements for the widget's words (an
// attribute, an element, the JS API) and a bad one; a pack that cannot be had; numbers and
// dates of poll results written by Intl; the dark and auto themes; the loader's fallback link
// in the page's language.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { startCollector, launchBrowser, axeCheck, formatViolations, ROOT, shipped } from './harness.mjs';
import { openPage } from './embed-helpers.mjs';

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

const SHOTS = path.join(ROOT, 'tests', 'e2e', 'screenshots');

/** A host page in `lang` (and `dir`) with `body` and voix.js (its attributes: `script`). */
const page = ({ lang, dir = 'ltr', body, script = '' }) => `<!DOCTYPE html>
<html lang="${lang}" dir="${dir}"><head><meta charset="utf-8"><title>Page ${lang}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body { font: 16px/1.5 system-ui, sans-serif; margin: 1rem auto; max-width: 40rem; padding: 0 1rem; }</style>
</head><body><main><h1>Page ${lang}</h1>${body}</main>
<script src="/voix.js" ${script} async></script></body></html>`;

const open = (html, options) => openPage(browser, collector, html, options);

/** Every request the page makes, by URL path and query. */
function requests(p) {
  const seen = [];
  p.on('request', (r) => {
    const u = new URL(r.url());
    seen.push(u.pathname + u.search);
  });
  return seen;
}

/** The `[voix]` console messages among `errors`. */
const voixMessages = (errors) => errors.filter((e) => e.startsWith('[voix]'));

async function noViolations(p, state) {
  const violations = await axeCheck(p);
  assert.deepEqual(violations, [], `axe-core, ${state}:\n${formatViolations(violations)}`);
}

test('a German page: German words from the pack, the German definition, French texts marked fr', async () => {
  let seen;
  const { page: p, context, errors } = await open(
    page({
      lang: 'de-CH',
      body: '<div id="avis" data-voix-form="satisfaction"></div><div id="sondage" data-voix-form="mediatheque"></div>',
    }),
    { before: (p) => (seen = requests(p)) },
  );
  await p.locator('#avis form').waitFor();
  await p.locator('#sondage form').waitFor();
  assert.ok(seen.includes('/v1/forms/satisfaction?lang=de'), seen.join('\n'));
  // Asked for once by the loader (beside the widget) and once by the wasm, for both forms: a
  // browser answers the wasm's from its cache, but Playwright's routing of this page turns the
  // cache off (the pack crossing the wire once is checked in delivery.test.mjs).
  assert.equal(seen.filter((u) => u === `/${shipped('voix-strings-de.json')}`).length, 2, 'one pack for the page\n' + seen.join('\n'));
  assert.equal(await p.locator('#avis .voix').getAttribute('lang'), 'de');
  assert.equal(await p.locator('#avis #v-title').textContent(), 'Ihre Meinung zu dieser Seite');
  assert.equal(await p.locator('#avis button[type=submit]').textContent(), 'Absenden');
  assert.equal(await p.locator('#avis [lang]').count(), 1, 'all of the satisfaction form is German');
  // The poll has no German translation: its texts are French, and say so; the widget's own
  // words around them are German.
  assert.equal(await p.locator('#sondage #v-title').textContent(), 'Un nom pour la nouvelle médiathèque');
  assert.equal(await p.locator('#sondage #v-title [lang]').getAttribute('lang'), 'fr');
  assert.equal(await p.locator('#sondage legend [lang=fr]').first().textContent(), 'Quel nom préférez-vous\u00a0?');
  assert.equal(await p.locator('#sondage button[type=submit]').textContent(), 'Abstimmen');
  await noViolations(p, 'German page');
  // Sending with no answer: the error in German; then answered and thanked in German.
  await p.locator('#avis button[type=submit]').click();
  assert.match(await p.locator('#avis #v-summary').textContent(), /Fehler/);
  await p.locator('#avis label.smiley').nth(2).click();
  await p.locator('#avis button[type=submit]').click();
  await p.locator('#avis #v-thanks').waitFor();
  assert.equal(await p.locator('#avis #v-thanks').textContent(), 'Vielen Dank!');
  assert.deepEqual(errors, []);
  await context.close();
});

test('an Arabic page: the form right to left, in Arabic, with no violation (screenshots)', async () => {
  await mkdir(SHOTS, { recursive: true });
  for (const [width, height] of [
    [390, 844],
    [1280, 900],
  ]) {
    const { page: p, context, errors } = await open(
      page({ lang: 'ar', dir: 'rtl', body: '<div id="avis" data-voix-form="satisfaction"></div>' }),
      { context: { viewport: { width, height } } },
    );
    await p.locator('#avis form').waitFor();
    const root = p.locator('#avis .voix');
    assert.equal(await root.getAttribute('lang'), 'ar');
    assert.equal(await root.getAttribute('dir'), 'rtl');
    assert.equal(await root.evaluate((e) => getComputedStyle(e).direction), 'rtl');
    // The first smiley is on the right, the last on the left.
    const xs = await p.locator('#avis label.smiley').evaluateAll((ls) => ls.map((l) => l.getBoundingClientRect().x));
    assert.ok(xs[0] > xs.at(-1), `smileys from right to left: ${xs}`);
    assert.equal(await p.locator('#avis #v-title').textContent(), 'رأيك في هذه الصفحة');
    await noViolations(p, `Arabic page at ${width}px`);
    // An error shown, to see it laid out too.
    await p.locator('#avis button[type=submit]').click();
    await p.locator('#avis #v-summary').waitFor();
    await p.locator('#avis').screenshot({ path: path.join(SHOTS, `arabic-${width}.png`) });
    await noViolations(p, `Arabic page with an error at ${width}px`);
    assert.deepEqual(errors, []);
    await context.close();
  }
});

test("a site's replacements: an attribute, an element, the JS API; a missing one keeps the word", async () => {
  const body = `
    <div id="attr" data-voix-form="satisfaction" data-strings='{"submit": "Je donne mon avis", "retry": ""}'></div>
    <div id="page" data-voix-form="satisfaction"></div>
    <div id="api"></div>
    <script type="application/json" id="mots">{"thanks_title": "Merci beaucoup !", "errors": {"required_choice": "Choisissez un visage."}}</script>`;
  const { page: p, context, errors } = await open(page({ lang: 'fr', body, script: 'data-strings="mots"' }));
  await p.locator('#attr form').waitFor();
  await p.locator('#page form').waitFor();
  // The placeholder's own attribute wins over the script's for that placeholder.
  assert.equal(await p.locator('#attr button[type=submit]').textContent(), 'Je donne mon avis');
  assert.equal(await p.locator('#page button[type=submit]').textContent(), 'Envoyer');
  await p.locator('#page button[type=submit]').click();
  assert.equal(await p.locator('#page #v-note-err').textContent(), 'Choisissez un visage.');
  await p.locator('#page label.smiley').first().click();
  await p.locator('#page button[type=submit]').click();
  await p.locator('#page #v-thanks').waitFor();
  assert.equal(await p.locator('#page #v-thanks').textContent(), 'Merci beaucoup\u00a0!');
  // The JS API's strings option (an object).
  await p.waitForFunction(() => window.Voix && typeof window.Voix.mount === 'function');
  await p.evaluate(() =>
    window.Voix.mount(document.getElementById('api'), { form: 'satisfaction', strings: { submit: 'Envoyer mon avis' } }),
  );
  await p.locator('#api form').waitFor();
  assert.equal(await p.locator('#api button[type=submit]').textContent(), 'Envoyer mon avis');
  assert.deepEqual(voixMessages(errors), []);
  await context.close();
});

test('a bad replacement: one console message naming it, the widget keeps its own words', async () => {
  const body = `<div id="faute" data-voix-form="satisfaction" data-strings='{"sumbit": "Je donne mon avis"}'></div>
    <div id="absent" data-voix-form="satisfaction" data-strings="pas-la"></div>`;
  const { page: p, context, errors } = await open(page({ lang: 'fr', body }));
  await p.locator('#faute form').waitFor();
  await p.locator('#absent form').waitFor();
  assert.equal(await p.locator('#faute button[type=submit]').textContent(), 'Envoyer');
  assert.equal(await p.locator('#absent button[type=submit]').textContent(), 'Envoyer');
  const messages = voixMessages(errors);
  assert.equal(messages.length, 2, messages.join('\n'));
  assert.ok(messages.some((m) => m.includes('sumbit')), messages.join('\n'));
  assert.ok(messages.some((m) => m.includes('pas-la')), messages.join('\n'));
  assert.deepEqual(errors.length, 2);
  await context.close();
});

test('a pack that cannot be had: one console message for the page, its forms wholly in French', async () => {
  const { page: p, context, errors } = await open(
    page({
      lang: 'de',
      body: '<div id="avis" data-voix-form="satisfaction"></div><div id="sondage" data-voix-form="mediatheque"></div>',
    }),
    { before: (p) => p.route(`**/${shipped('voix-strings-de.json')}`, (r) => r.abort('blockedbyclient')) },
  );
  await p.locator('#avis form').waitFor();
  await p.locator('#sondage form').waitFor();
  // French words and French texts: nothing on the form needs a mark of another language.
  assert.equal(await p.locator('#avis .voix').getAttribute('lang'), 'fr');
  assert.equal(await p.locator('#avis button[type=submit]').textContent(), 'Envoyer');
  assert.equal(await p.locator('#avis #v-title').textContent(), 'Votre avis sur cette page');
  assert.equal(await p.locator('#avis .voix [lang]').count(), 0);
  assert.equal(await p.locator('#sondage button[type=submit]').textContent(), 'Voter');
  const messages = voixMessages(errors);
  assert.equal(messages.length, 1, messages.join('\n'));
  assert.match(messages[0], /strings in "de" could not be loaded .*shown in French/);
  await noViolations(p, 'German page without its pack');
  await context.close();
});

test("an English poll: percentages, counts and dates written by the browser's Intl in English", async () => {
  const { page: p, context, errors } = await open(
    page({ lang: 'en-GB', body: '<div id="sondage" data-voix-form="mediatheque"></div>' }),
    { context: { timezoneId: 'Europe/Paris' } },
  );
  await p.locator('#sondage form').waitFor();
  const closes = await p.evaluate(() =>
    new Intl.DateTimeFormat('en', { dateStyle: 'long', timeStyle: 'short' }).format(Date.parse('2030-06-30T23:59:00+02:00')),
  );
  assert.ok((await p.locator('#sondage .voix').textContent()).includes(closes), `the closing date as "${closes}"`);
  assert.equal(await p.locator('#sondage button[type=submit]').textContent(), 'Vote');
  await p.locator('#sondage label.choice').nth(2).click();
  await p.locator('#sondage button[type=submit]').click();
  await p.locator('#sondage .results li').first().waitFor();
  const text = await p.locator('#sondage .results').textContent();
  assert.ok(text.includes('Médiathèque George-Sand — your choice100%'), text);
  assert.ok(text.includes('0%'), text);
  assert.deepEqual(errors, []);
  await context.close();
});

/** The widget's computed background and text colours in `#avis`. */
const colours = (p) =>
  p.locator('#avis .voix').evaluate((e) => {
    const s = getComputedStyle(e);
    return [s.backgroundColor, s.color];
  });
const LIGHT = ['rgb(255, 255, 255)', 'rgb(27, 31, 36)'];
const DARK = ['rgb(27, 31, 36)', 'rgb(232, 234, 237)'];

test('themes: light by default, dark, and auto following the device as it changes', async () => {
  for (const [theme, scheme, want] of [
    [null, 'dark', LIGHT],
    ['light', 'dark', LIGHT],
    ['dark', 'light', DARK],
    ['auto', 'light', LIGHT],
    ['auto', 'dark', DARK],
  ]) {
    const attr = theme ? `data-theme="${theme}"` : '';
    const { page: p, context, errors } = await open(
      page({ lang: 'fr', body: `<div id="avis" data-voix-form="satisfaction" ${attr}></div>` }),
      { context: { colorScheme: scheme } },
    );
    await p.locator('#avis form').waitFor();
    assert.deepEqual(await colours(p), want, `data-theme=${theme} on a ${scheme} device`);
    await noViolations(p, `data-theme=${theme}, ${scheme} device`);
    if (theme === 'auto') {
      // The device changes its setting: the widget follows, with no reload.
      await p.emulateMedia({ colorScheme: scheme === 'dark' ? 'light' : 'dark' });
      assert.deepEqual(await colours(p), want === DARK ? LIGHT : DARK);
    }
    assert.deepEqual(errors, []);
    await context.close();
  }
  // The script's data-theme applies to every form; the site's --voix-* still win over it.
  const { page: p, context } = await open(
    page({
      lang: 'fr',
      body: '<div id="avis" data-voix-form="satisfaction" style="--voix-bg: #102030"></div>',
      script: 'data-theme="dark"',
    }),
  );
  await p.locator('#avis form').waitFor();
  assert.deepEqual(await colours(p), ['rgb(16, 32, 48)', DARK[1]]);
  await context.close();
});

test("the loader's fallback link, when the widget cannot start, is in the page's language", async () => {
  for (const [lang, attr, want] of [
    ['en', '', 'Answer the questionnaire (version without JavaScript)'],
    ['fr', 'data-lang="nl"', 'Vul de vragenlijst in (versie zonder JavaScript)'],
  ]) {
    const { page: p, context, errors } = await open(
      page({ lang, body: `<div id="avis" data-voix-form="satisfaction" ${attr}></div>` }),
      { before: (p) => p.route(`**/${shipped('voix_bg.wasm')}`, (r) => r.abort('blockedbyclient')) },
    );
    const link = p.locator('#avis a[data-voix-fallback]');
    await link.waitFor();
    assert.equal(await link.textContent(), want);
    assert.equal(await link.getAttribute('href'), collector.url + '/f/satisfaction');
    assert.equal(await link.getAttribute('lang'), attr ? 'nl' : 'en');
    assert.equal(voixMessages(errors).length, 1, errors.join('\n'));
    await context.close();
  }
});
