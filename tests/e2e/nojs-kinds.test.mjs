// End-to-end tests of the no-JS page (`/f/{id}`) with every question kind and with polls, in
// headless Chromium with JavaScript disabled, against the real collector (a fresh SQLite
// database). Run by `cargo xtask test` after `dist`, or by hand:
//   VOIX_COLLECTOR_BIN=$PWD/target/debug/voix-collector VOIX_ROOT=$PWD node --test tests/e2e/nojs-kinds.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { startCollector, launchBrowser, axeCheck, formatViolations, ROOT } from './harness.mjs';

// Every kind, on two steps, with a condition.
const KINDS = `
id = "tout"
title = "Votre avis sur l'accueil"

[[questions]]
id = "note"
type = "smileys"
label = "Comment ça s'est passé ?"
required = true

[[questions]]
id = "pourquoi"
type = "text"
label = "Qu'est-ce qui n'a pas été ?"
show_if = { question = "note", equals = "bad" }

[[questions]]
id = "etoiles"
type = "stars"
label = "Votre note en étoiles"

[[questions]]
id = "clarte"
type = "scale"
label = "Les informations étaient-elles claires ?"
min = 1
max = 5
min_label = "Pas du tout"
max_label = "Tout à fait"

[[questions]]
id = "aides"
type = "multiple"
label = "Quelles aides avez-vous utilisées ?"
other = true
step = 2
choices = [
  { id = "guichet", label = "Le guichet" },
  { id = "tel", label = "Le téléphone" },
  { id = "aucune", label = "Aucune", exclusive = true },
]

[[questions]]
id = "recommander"
type = "nps"
label = "Recommanderiez-vous ce service ?"

[[questions]]
id = "revenir"
type = "yes_no"
label = "Reviendrez-vous ?"

[[questions]]
id = "service"
type = "choice"
label = "Quel service ?"
choices = [{ id = "etat-civil", label = "État civil" }, { id = "urbanisme", label = "Urbanisme" }]

[[questions]]
id = "commentaire"
type = "text"
label = "Un commentaire ?"
multiline = true
personal_data_warning = true

[[questions]]
id = "courriel"
type = "email"
label = "Votre courriel, si vous voulez une réponse"

[[questions]]
id = "accord"
type = "consent"
label = "J'accepte que ma réponse soit conservée un an."
required = true
`;

const poll = (id, settings) => `
id = "${id}"
title = "Quel nom pour la nouvelle médiathèque ?"

[poll]
${settings}

[[questions]]
id = "nom"
type = "choice"
label = "Votre choix"
required = true
choices = [
  { id = "colette", label = "Médiathèque Colette" },
  { id = "george-sand", label = "Médiathèque George-Sand" },
  { id = "jules-verne", label = "Médiathèque Jules-Verne" },
]
`;

let collector;
let browser;
let axeSource;

before(async () => {
  axeSource = await readFile(path.join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
  collector = await startCollector({
    forms: [
      { file: 'tout.toml', text: KINDS },
      { file: 'ouvert.toml', text: poll('ouvert', 'closes = "2999-01-01T00:00:00Z"') },
      { file: 'toujours.toml', text: poll('toujours', 'results = "always"') },
      { file: 'clos.toml', text: poll('clos', 'closes = "2001-01-01T00:00:00+01:00"') },
      { file: 'bientot.toml', text: poll('bientot', 'opens = "2999-01-01T00:00:00Z"') },
    ],
    config: { rate_limit: { per_minute: 0 } },
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await collector?.stop();
});

async function openPage(urlPath, { javaScriptEnabled = false } = {}) {
  const context = await browser.newContext({
    javaScriptEnabled,
    locale: 'fr-FR',
    viewport: { width: 1280, height: 900 },
  });
  const page = await context.newPage();
  const response = await page.goto(collector.url + urlPath);
  return { page, context, response };
}

// axe needs timers, which do not run without JavaScript: the same page (it has no script of
// its own) is checked in a context with JavaScript, axe evaluated through the DevTools
// protocol, which the page's CSP (no script source at all) does not govern.
async function assertNoAxeViolations(page, state) {
  await page.evaluate(axeSource);
  const violations = await axeCheck(page);
  assert.deepEqual(violations, [], `violations in state ${state}:\n${formatViolations(violations)}`);
}

async function axeOn(urlPath, state) {
  const { page, context } = await openPage(urlPath, { javaScriptEnabled: true });
  await assertNoAxeViolations(page, state);
  await context.close();
}

// Ticks a radio or checkbox as a keyboard user does: focus it, press Space. (The smileys' and
// stars' inputs sit under their drawn faces, which a pointer would click instead.)
async function tick(page, selector) {
  await page.locator(selector).focus();
  await page.keyboard.press('Space');
  assert.ok(await page.locator(selector).isChecked(), `${selector} is not checked`);
}

async function submitWith(page, action) {
  const posted = page.waitForResponse((r) => r.request().method() === 'POST');
  // eslint-disable-next-line deprecation/deprecation -- the one wait that follows redirects
  const loaded = page.waitForNavigation({ waitUntil: 'load' });
  await action();
  const [response] = await Promise.all([posted, loaded]);
  return response;
}

test('every kind on one page without JavaScript: lists, other text, consent, hidden answers dropped', async () => {
  const { page, context, response } = await openPage('/f/tout');
  assert.equal(response.status(), 200);
  // Every step at once, every question (the conditional one too), no step counter.
  for (const name of ['note', 'pourquoi', 'etoiles', 'clarte', 'aides', 'aides.other', 'recommander',
    'revenir', 'service', 'commentaire', 'courriel', 'accord']) {
    assert.ok(await page.locator(`[name="${name}"]`).count() > 0, `no field ${name}`);
  }
  assert.equal(await page.locator('#v-step').count(), 0);
  assert.equal(await page.locator('input[name=courriel]').getAttribute('autocomplete'), 'email');

  // Sent empty: the required smileys and consent are named in the summary.
  const invalid = await submitWith(page, () => page.locator('button[type=submit]').click());
  assert.equal(invalid.status(), 422);
  assert.match(await page.locator('#v-summary').textContent(), /2 erreurs/);

  await tick(page, 'input[name=note][value=good]');
  // Typed into the hidden question's box anyway: dropped, since the note is not "bad".
  await page.locator('[name=pourquoi]').fill('ne doit pas être gardé');
  await tick(page, 'input[name=etoiles][value="4"]');
  await tick(page, 'input[name=clarte][value="5"]');
  await tick(page, 'input[name=aides][value=guichet]');
  await tick(page, 'input[name=aides][value=other]');
  await page.locator('[name="aides.other"]').fill('Le site internet');
  await tick(page, 'input[name=recommander][value="9"]');
  await tick(page, 'input[name=revenir][value=yes]');
  await tick(page, 'input[name=service][value=urbanisme]');
  await page.locator('[name=commentaire]').fill('Accueil rapide.');
  await tick(page, 'input[name=accord]');
  const sent = await submitWith(page, () => page.locator('button[type=submit]').click());
  assert.equal(sent.status(), 303);
  assert.match(page.url(), /\/f\/tout\/merci$/);
  await context.close();

  const rows = await collector.export('tout');
  assert.equal(rows.length, 1);
  const a = rows[0].answers;
  assert.deepEqual(a.aides, ['guichet', 'other']);
  assert.equal(a['aides.other'], 'Le site internet');
  assert.equal(a.accord, 'yes');
  assert.equal(a.etoiles, '4');
  assert.equal(a.recommander, '9');
  assert.equal(a.pourquoi, undefined, 'the hidden question’s answer is not stored');
  assert.equal(a.courriel, undefined);
});

test('every kind: axe-core finds no violation on the page, its errors and its thanks', async () => {
  await axeOn('/f/tout', 'every kind, empty');
  const { page, context } = await openPage('/f/tout', { javaScriptEnabled: true });
  const invalid = await submitWith(page, () => page.locator('button[type=submit]').click());
  assert.equal(invalid.status(), 422);
  await assertNoAxeViolations(page, 'every kind, errors');
  await context.close();
  await axeOn('/f/tout/merci', 'every kind, thanks');
});

test('a poll without JavaScript: vote, then the results on the thank-you page', async () => {
  const { page, context } = await openPage('/f/ouvert');
  assert.equal(await page.locator('section.results').count(), 0, 'no results before the vote');
  assert.equal(await page.locator('button[type=submit]').textContent(), 'Voter');
  await tick(page, 'input[name=nom][value=george-sand]');
  // A poll waits 3 s between its page and a vote (its render token, issue 16): quicker is a
  // robot's pace. The page comes back with the choice kept and says to send it again.
  const quick = await submitWith(page, () => page.locator('button[type=submit]').click());
  assert.equal(quick.status(), 422);
  assert.match(await page.locator('.fail').textContent(), /envoyez-la de nouveau/);
  assert.equal(await page.locator('input[name=nom][value=george-sand]').isChecked(), true);
  await page.waitForTimeout(3_100);
  const sent = await submitWith(page, () => page.locator('button[type=submit]').click());
  assert.equal(sent.status(), 303);
  assert.match(await page.locator('.poll-state .said').textContent(), /vote/);
  const results = page.locator('section.results');
  assert.match(await results.locator('h2').textContent(), /Résultats \(1 vote\)/);
  const items = await results.locator('li').allTextContents();
  assert.equal(items.length, 3);
  assert.match(items[1], /George-Sand.*100/);
  await context.close();
  await axeOn('/f/ouvert/merci', 'poll, voted');
});

test('a poll with results always shown, a closed poll and one not open yet', async () => {
  const always = await openPage('/f/toujours');
  assert.equal(await always.page.locator('input[name=nom]').count(), 3);
  assert.equal(await always.page.locator('section.results').count(), 1);
  await always.context.close();
  await axeOn('/f/toujours', 'poll, results always');

  const closed = await openPage('/f/clos');
  assert.equal(closed.response.status(), 200);
  assert.match(await closed.page.locator('.poll-state').textContent(), /Ce sondage est clos/);
  assert.equal(await closed.page.locator('form').count(), 0, 'no question once closed');
  assert.equal(await closed.page.locator('section.results').count(), 1);
  await closed.context.close();
  await axeOn('/f/clos', 'poll, closed');

  const later = await openPage('/f/bientot');
  assert.match(await later.page.locator('.poll-state').textContent(), /pas encore ouvert/);
  assert.equal(await later.page.locator('form').count(), 0);
  assert.equal(await later.page.locator('section.results').count(), 0);
  await later.context.close();
  await axeOn('/f/bientot', 'poll, not open yet');

  // The API agrees: a vote is refused with the code the widget shows.
  const r = await fetch(`${collector.url}/v1/forms/clos/responses`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: JSON.stringify({ v: 1, answers: { nom: 'colette' } }),
  });
  assert.equal(r.status, 409);
  assert.equal((await r.json()).error.code, 'poll_closed');
});
