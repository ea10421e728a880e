// End-to-end tests of every question kind, steps, conditions and polls, in headless Chromium
// against the real collector: the demo's three-step form answered with the keyboard alone, a
// poll voted (results shown, announced, a second vote refused), a closed poll. axe-core checks
// each state.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  ROOT,
  startCollector,
  launchBrowser,
  axeCheck,
  consoleErrors,
  revealWidgets,
} from './harness.mjs';

let collector;
let browser;

before(async () => {
  collector = await startCollector({
    // The poll's results are public (a poll shows them after the vote).
    config: { form: { mediatheque: { public_results: true } } },
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await collector?.stop();
});

const W = '[data-voix-form]';

// The element that really has focus, looking through shadow roots.
const deepFocus = (page) =>
  page.evaluate(() => {
    let a = document.activeElement;
    while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
    return a
      ? { id: a.id, tag: a.tagName.toLowerCase(), type: a.type ?? null, text: a.textContent?.trim() }
      : null;
  });

// Presses Tab until `wanted(focus)` holds (at most `max` times); the focus it reached.
async function tabTo(page, wanted, max = 40) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const f = await deepFocus(page);
    if (f && wanted(f)) return f;
  }
  throw new Error(`Tab never reached the wanted element (last: ${JSON.stringify(await deepFocus(page))})`);
}

const press = async (page, key, times = 1) => {
  for (let i = 0; i < times; i++) await page.keyboard.press(key);
};

async function violations(page, label, failures) {
  for (const v of await axeCheck(page, W)) {
    failures.push(`${label}: ${v.id} ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  }
}

test('a three-step form with a condition, completed with the keyboard alone', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = consoleErrors(page);
  await page.goto(collector.url + '/demarche.html');
  await revealWidgets(page);
  const failures = [];
  await violations(page, 'step 1', failures);
  await page.evaluate(() => window.scrollTo(0, 0));

  // Step 1: five smileys, yes/no; "no" reveals a choice question with "Other".
  await tabTo(page, (f) => f.id === 'v-ressenti');
  await press(page, 'ArrowRight', 3);
  assert.equal((await deepFocus(page)).id, 'v-ressenti-fine');
  await tabTo(page, (f) => f.id === 'v-trouve');
  await press(page, 'ArrowRight');
  assert.equal((await deepFocus(page)).id, 'v-trouve-no');
  await tabTo(page, (f) => f.id === 'v-manque');
  await press(page, 'ArrowDown', 3);
  assert.equal((await deepFocus(page)).id, 'v-manque-other', 'arrow keys reach "Autre"');
  await tabTo(page, (f) => f.id === 'v-manque.other');
  await page.keyboard.type('Les horaires de la garderie');
  await tabTo(page, (f) => f.tag === 'button' && f.text === 'Suivant');
  await page.keyboard.press('Enter');

  // Step 2: focus on the step heading, which says where the resident is.
  await page.waitForFunction(() => {
    const root = document.querySelector('[data-voix-form]').shadowRoot;
    return root.activeElement?.id === 'v-step';
  });
  assert.equal((await deepFocus(page)).text, 'Étape 2 sur 3');
  await violations(page, 'step 2', failures);
  await tabTo(page, (f) => f.id === 'v-etoiles');
  await press(page, 'ArrowRight', 3);
  assert.equal((await deepFocus(page)).id, 'v-etoiles-4');
  await tabTo(page, (f) => f.id === 'v-clarte');
  await press(page, 'ArrowRight', 3);
  await tabTo(page, (f) => f.id === 'v-aide');
  await press(page, 'Space');
  await tabTo(page, (f) => f.id === 'v-aide-accueil');
  await press(page, 'Space');
  await tabTo(page, (f) => f.id === 'v-recommande');
  await press(page, 'ArrowRight', 9);
  // Back to step 1 and forth again: nothing typed is lost.
  await tabTo(page, (f) => f.tag === 'button' && f.text === 'Précédent');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => {
    const root = document.querySelector('[data-voix-form]').shadowRoot;
    return root.activeElement?.id === 'v-step' && root.getElementById('v-manque.other');
  });
  assert.equal(
    await page.evaluate(() =>
      document.querySelector('[data-voix-form]').shadowRoot.getElementById('v-manque.other').value,
    ),
    'Les horaires de la garderie',
  );
  await tabTo(page, (f) => f.tag === 'button' && f.text === 'Suivant');
  await page.keyboard.press('Enter');
  await page.waitForFunction(
    () => document.querySelector('[data-voix-form]').shadowRoot.querySelector('#v-recommande-9:checked'),
  );
  await tabTo(page, (f) => f.tag === 'button' && f.text === 'Suivant');
  await page.keyboard.press('Enter');

  // Step 3: sending without the required consent shows the summary, focused.
  await page.waitForFunction(
    () => document.querySelector('[data-voix-form]').shadowRoot.activeElement?.id === 'v-step',
  );
  assert.equal((await deepFocus(page)).text, 'Étape 3 sur 3');
  await tabTo(page, (f) => f.id === 'v-commentaire');
  await page.keyboard.type('Très bien dans l’ensemble.');
  await tabTo(page, (f) => f.id === 'v-courriel');
  await page.keyboard.type('parent@example.org');
  await tabTo(page, (f) => f.tag === 'button' && f.text === 'Envoyer');
  await page.keyboard.press('Enter');
  await page.waitForFunction(
    () => document.querySelector('[data-voix-form]').shadowRoot.activeElement?.id === 'v-summary',
  );
  await violations(page, 'step 3 with an error', failures);
  await tabTo(page, (f) => f.tag === 'a');
  await page.keyboard.press('Enter');
  assert.equal((await deepFocus(page)).id, 'v-accord', 'the summary link lands on the checkbox');
  await press(page, 'Space');
  await tabTo(page, (f) => f.tag === 'button' && f.text === 'Envoyer');
  await page.keyboard.press('Enter');
  await page.locator(`${W} #v-thanks`).waitFor();
  await violations(page, 'sent', failures);

  const rows = await collector.export('demarche');
  assert.equal(rows.length, 1);
  assert.deepEqual(rows[0].answers, {
    accord: 'yes',
    aide: ['proche', 'accueil'],
    clarte: '4',
    commentaire: 'Très bien dans l’ensemble.',
    courriel: 'parent@example.org',
    etoiles: '4',
    manque: 'other',
    'manque.other': 'Les horaires de la garderie',
    recommande: '9',
    ressenti: 'fine',
    trouve: 'no',
  });
  assert.deepEqual(failures, []);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a hidden question is neither validated nor sent', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(collector.url + '/demarche.html');
  await revealWidgets(page);
  const before = (await collector.export('demarche')).length;
  await page.locator(`${W} label.smiley`).first().click();
  // "no" shows the required "what was missing", answered; then "yes" hides it again.
  await page.locator(`${W} label.yn`).nth(1).click();
  await page.locator(`${W} label.choice`).first().click();
  await page.locator(`${W} label.yn`).first().click();
  assert.equal(await page.locator(`${W} #v-manque`).count(), 0);
  for (let step = 0; step < 2; step++) {
    await page.locator(`${W} button[type=submit]`).click();
    await page.locator(`${W} #v-step`).filter({ hasText: `Étape ${step + 2} sur 3` }).waitFor();
  }
  await page.locator(`${W} #v-accord`).check();
  await page.locator(`${W} button[type=submit]`).click();
  await page.locator(`${W} #v-thanks`).waitFor();
  const rows = await collector.export('demarche');
  assert.equal(rows.length, before + 1);
  assert.deepEqual(Object.keys(rows.at(-1).answers).sort(), ['accord', 'ressenti', 'trouve']);
  await context.close();
});

test('a poll: the vote, its results shown and announced, a second vote refused', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = consoleErrors(page);
  await page.goto(collector.url + '/sondage.html');
  await revealWidgets(page);
  const failures = [];
  await violations(page, 'poll', failures);
  assert.equal(await page.locator(`${W} button[type=submit]`).textContent(), 'Voter');
  await page.locator(`${W} label.choice`).nth(1).click();
  await page.locator(`${W} button[type=submit]`).click();
  await page.locator(`${W} .results li`).first().waitFor();
  // Focus on the heading that says it went through; the results under it, as text.
  assert.equal((await deepFocus(page)).id, 'v-poll');
  const text = await page.locator(`${W} .results`).textContent();
  // Percentages as the browser's Intl writes them in French (a no-break space before %).
  const [p100, p0] = await page.evaluate(() => [1, 0].map((n) => new Intl.NumberFormat('fr', { style: 'percent' }).format(n)));
  assert.match(p100, /^100\s%$/);
  assert.match(text, /Résultats \(1 vote\)/);
  assert.ok(text.includes(`La Confluence — votre choix${p100} (1 vote)`), text);
  assert.ok(text.includes(`Médiathèque Jules-Verne${p0} (0 vote`), text);
  const live = await page.locator(`${W} [role=status]`).textContent();
  assert.ok(live.startsWith(`Merci pour votre vote\u00a0! Résultats\u00a0: Médiathèque Jules-Verne ${p0}, La Confluence ${p100}`), live);
  await violations(page, 'poll results', failures);
  // The browser remembers that it voted, and nothing else.
  const stored = await page.evaluate(() => ({ ...localStorage }));
  assert.deepEqual(stored, { 'voix-done': '{"mediatheque":"answered"}' });
  // Back on the page: no form, the results.
  await page.reload();
  await revealWidgets(page);
  await page.locator(`${W} .results li`).first().waitFor();
  assert.equal(await page.locator(`${W} form`).count(), 0);
  assert.match(
    await page.locator(`${W} .said`).textContent(),
    /Vous avez déjà voté depuis ce navigateur\./,
  );
  assert.match(await page.locator(`${W} .results h3`).textContent(), /\(1 vote\)/);
  await violations(page, 'poll voted already', failures);
  const rows = await collector.export('mediatheque');
  assert.deepEqual(rows.map((r) => r.answers), [{ nom: 'confluence' }]);
  assert.deepEqual(failures, []);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a closed poll says so and shows its results instead of the question', async () => {
  const text = (await readFile(path.join(ROOT, 'www/forms/mediatheque.toml'), 'utf8'))
    .replace('id = "mediatheque"', 'id = "ancien-sondage"')
    .replace('closes = "2030-06-30T23:59:00+02:00"', 'closes = "2026-01-01T00:00:00+01:00"');
  const closed = await startCollector({
    forms: [{ file: 'ancien-sondage.toml', text }],
    config: { form: { 'ancien-sondage': { public_results: true } } },
  });
  try {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await page.goto(closed.url + '/fixtures/closed-poll.html');
    await revealWidgets(page);
    await page.locator(`${W} .results li`).first().waitFor();
    assert.equal(await page.locator(`${W} form`).count(), 0);
    assert.equal(await page.locator(`${W} .said`).textContent(), 'Ce sondage est clos.');
    assert.match(await page.locator(`${W} .results h3`).textContent(), /Résultats \(0 vote\)/);
    const failures = [];
    await violations(page, 'closed poll', failures);
    assert.deepEqual(failures, []);
    await context.close();
  } finally {
    await closed.stop();
  }
});
