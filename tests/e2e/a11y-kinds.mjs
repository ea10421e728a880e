// The accessibility matrix, part 2 (not a test file itself: a11y-kinds-light.test.mjs and
// a11y-kinds-dark.test.mjs run it): axe-core on a form with every question kind, and a poll, in
// every state (empty, errors, answered, refused, queued, sent; the poll before the vote, its
// results, a closed poll) × the widget's own theme (`data-theme`) × French, English and Arabic
// (right to left). 0 violations; the number of states checked is printed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { startCollector, launchBrowser, axeCheck, ROOT } from './harness.mjs';
import { openPage } from './embed-helpers.mjs';

let collector;
let browser;

// Every question kind on one step, all required, so one click shows an error on each.
const EVERY_KIND = `
id = "tout"
title = "Toutes les questions"
description = "Un formulaire de test avec chaque sorte de question."

[[questions]]
id = "trois"
type = "smileys"
count = 3
required = true
label = "Trois visages ?"

[[questions]]
id = "cinq"
type = "smileys"
count = 5
required = true
label = "Cinq visages ?"

[[questions]]
id = "etoiles"
type = "stars"
required = true
label = "Combien d'étoiles ?"

[[questions]]
id = "echelle"
type = "scale"
min = 1
max = 5
min_label = "Pas du tout"
max_label = "Tout à fait"
required = true
label = "Sur une échelle de 1 à 5 ?"

[[questions]]
id = "dix"
type = "scale"
min = 0
max = 10
min_label = "Jamais"
max_label = "Toujours"
required = true
label = "De 0 à 10 ?"

[[questions]]
id = "nps"
type = "nps"
required = true
label = "Recommanderiez-vous ce service ?"

[[questions]]
id = "oui"
type = "yes_no"
required = true
label = "Oui ou non ?"

[[questions]]
id = "un"
type = "choice"
required = true
other = true
label = "Un seul choix ?"
help = "Choisissez une réponse."
choices = [{ id = "a", label = "Le premier" }, { id = "b", label = "Le second" }]

[[questions]]
id = "plusieurs"
type = "multiple"
required = true
min_selected = 1
max_selected = 2
other = true
label = "Plusieurs choix ?"
choices = [
  { id = "a", label = "Le premier" },
  { id = "b", label = "Le second" },
  { id = "c", label = "Le troisième" },
  { id = "aucun", label = "Aucun", exclusive = true },
]

[[questions]]
id = "court"
type = "text"
required = true
max_length = 20
label = "En quelques mots ?"

[[questions]]
id = "long"
type = "text"
multiline = true
max_length = 200
personal_data_warning = true
required = true
label = "En détail ?"

[[questions]]
id = "courriel"
type = "email"
label = "Votre courriel, si vous voulez une réponse"

[[questions]]
id = "accord"
type = "consent"
required = true
label = "J'ai compris que mes réponses sont anonymes."
`;

async function start() {
  const dir = path.join(ROOT, 'www', 'forms');
  const demo = [];
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.toml')).sort()) {
    demo.push({ file, text: await readFile(path.join(dir, file), 'utf8') });
  }
  const poll = demo.find((f) => f.file === 'mediatheque.toml').text;
  const closed = poll
    .replace('id = "mediatheque"', 'id = "clos"')
    .replace(/closes = "[^"]+"/, 'closes = "2026-01-01T00:00:00+01:00"');
  assert.notEqual(closed, poll);
  collector = await startCollector({
    forms: [...demo, { file: 'tout.toml', text: EVERY_KIND }, { file: 'clos.toml', text: closed }],
    config: { rate_limit: { per_minute: 0 } },
  });
  browser = await launchBrowser();
}

async function stop() {
  await browser?.close();
  await collector?.stop();
}

// A page in `lang` with one form, in the widget's own theme.
const matrixPage = (lang, theme, form) => `<!DOCTYPE html>
<html lang="${lang}" dir="${lang === 'ar' ? 'rtl' : 'ltr'}"><head><meta charset="utf-8"><title>Matrice ${lang}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body { font: 16px/1.5 system-ui, sans-serif; margin: 1rem auto; max-width: 44rem; padding: 0 1rem;
  background: ${theme === 'dark' ? '#111' : '#fff'}; color: ${theme === 'dark' ? '#eee' : '#111'}; }</style>
</head><body><main><h1>Matrice</h1><div id="f" data-voix-form="${form}" data-theme="${theme}"></div></main>
<script src="/voix.js" async></script></body></html>`;

const F = '#f';

// Answers every question of the "tout" form validly.
async function answerAll(page) {
  const groups = page.locator(`${F} fieldset`);
  const n = await groups.count();
  for (let i = 0; i < n; i++) {
    const label = groups.nth(i).locator('label').first();
    if (await label.count()) await label.click();
  }
  await page.locator(`${F} input#v-court`).fill('Bien');
  await page.locator(`${F} textarea#v-long`).fill('Tout était clair.');
  await page.locator(`${F} input#v-courriel`).fill('nom@example.fr');
  await page.locator(`${F} input#v-accord`).check();
}

const submit = (page) => page.locator(`${F} form button[type=submit]`).last().click();

const KIND_STATES = {
  empty: async () => {},
  errors: async (page) => {
    // Every kind's "required" error, a text over its limit and a bad address.
    await page.locator(`${F} input#v-court`).fill('x'.repeat(25));
    await page.locator(`${F} input#v-courriel`).fill('pas une adresse');
    await submit(page);
    await page.locator(`${F} #v-summary`).waitFor();
    assert.ok((await page.locator(`${F} [id$="-err"]`).count()) >= 12, 'an error on every question');
  },
  answered: answerAll,
  refused: async (page) => {
    await page.route('**/responses', (r) =>
      r.fulfill({
        status: 404,
        contentType: 'application/json',
        body: '{"error":{"code":"not_found","message":"unknown form","field":null}}',
      }),
    );
    await answerAll(page);
    await submit(page);
    await page.locator(`${F} [role=alert]`).waitFor();
  },
  queued: async (page) => {
    await page.route('**/responses', (r) => r.abort('internetdisconnected'));
    await answerAll(page);
    await submit(page);
    await page.locator(`${F} .queued`).waitFor();
  },
  sent: async (page) => {
    await answerAll(page);
    await submit(page);
    await page.locator(`${F} .thanks:not(.queued)`).waitFor();
  },
};

const POLL_STATES = {
  'poll before the vote': ['mediatheque', async () => {}],
  'poll results': [
    'mediatheque',
    async (page) => {
      await page.locator(`${F} label.choice`).nth(1).click();
      await submit(page);
      await page.locator(`${F} .results li`).first().waitFor();
    },
  ],
  'closed poll': ['clos', async (page) => page.locator(`${F} .results li`).first().waitFor()],
};

const STATES = [
  ...Object.entries(KIND_STATES).map(([name, reach]) => [name, 'tout', reach]),
  ...Object.entries(POLL_STATES).map(([name, [form, reach]]) => [name, form, reach]),
];

/** Registers the matrix for one theme: a test per language, then the count. */
export function kindMatrix(theme) {
  let checked = 0;
  before(start);
  after(stop);
  for (const lang of ['fr', 'en', 'ar']) {
    test(`axe-core: 0 violations, every question kind and poll state, data-theme=${theme}, ${lang}`, async () => {
      const failures = [];
      for (const [name, form, reach] of STATES) {
        const { page, context, errors } = await openPage(browser, collector, matrixPage(lang, theme, form));
        await page.locator(`${F} .voix`).waitFor();
        assert.equal(await page.locator(`${F} .voix`).getAttribute('lang'), lang);
        assert.equal(await page.locator(`${F} .voix`).getAttribute('data-theme'), theme);
        await reach(page);
        const violations = await axeCheck(page);
        checked += 1;
        for (const v of violations) {
          failures.push(`${theme}/${lang}/${name}: ${v.id} ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
        }
        const unexpected = errors.filter((e) => !/Failed to load resource|ERR_INTERNET_DISCONNECTED|404/.test(e));
        assert.deepEqual(unexpected, [], `${theme}/${lang}/${name}: console`);
        await context.close();
      }
      assert.deepEqual(failures, []);
    });
  }
  test(`axe-core matrix, every kind, data-theme=${theme}: the number of states checked`, () => {
    console.log(
      `axe-core matrix, every kind, data-theme=${theme}: ${checked} states checked (${STATES.length} states × 3 languages), 0 violations`,
    );
    assert.equal(checked, STATES.length * 3);
  });
}
