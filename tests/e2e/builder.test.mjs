// End-to-end tests of the form builder (www/builder.html), in headless Chromium against the real
// collector (which serves www/ and dist/): questions added, moved and removed with the keyboard
// and shown by the real widget in the preview; an invalid definition refused with the wasm's own
// message (Voix.check) and the editor left as it was; a JSON definition imported; the TOML the
// builder writes, for every kind of question and for a poll, loaded by a collector; axe-core on
// the builder, light and dark, empty and with questions.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCollector, launchBrowser, axeCheck, formatViolations, consoleErrors } from './harness.mjs';

let collector;
let browser;

before(async () => {
  collector = await startCollector();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await collector?.stop();
});

// Every kind of question, with conditions, steps and strings TOML must escape.
const ALL = {
  id: 'tout',
  title: 'Tous les "types" \\ de questions',
  description: 'Ligne 1\nLigne 2\t(tabulation) — é ✓',
  questions: [
    { id: 'humeur', type: 'smileys', count: 5, label: 'Comment ça va ?', required: true },
    { id: 'etoiles', type: 'stars', label: 'Votre note', step: 2 },
    { id: 'echelle', type: 'scale', min: 0, max: 10, min_label: 'Pas du tout', max_label: 'Tout à fait', label: 'Échelle' },
    { id: 'nps', type: 'nps', label: 'Recommanderiez-vous ?', min_label: 'Jamais', max_label: 'Certainement' },
    { id: 'trouve', type: 'yes_no', label: 'Trouvé ?', show_if: { question: 'etoiles', less_than: 3 } },
    {
      id: 'canal', type: 'choice', label: 'Par où ?', other: true,
      choices: [{ id: 'web', label: 'Le site "web"' }, { id: 'guichet', label: 'Le guichet \\ accueil' }],
      show_if: { question: 'trouve', equals: 'no' },
    },
    {
      id: 'aides', type: 'multiple', label: 'Aides', other: true, min_selected: 1, max_selected: 2,
      choices: [{ id: 'proche', label: 'Un proche' }, { id: 'mairie', label: 'La mairie' }, { id: 'aucune', label: 'Aucune', exclusive: true }],
      show_if: { question: 'humeur', one_of: ['very_bad', 'bad'] },
    },
    { id: 'commentaire', type: 'text', label: 'Commentaire', help: 'Sur\ndeux lignes', max_length: 500, multiline: true, personal_data_warning: true, step: 3 },
    { id: 'courriel', type: 'email', label: 'Courriel' },
    { id: 'accord', type: 'consent', label: "J'accepte", required: true },
  ],
};

const POLL = {
  id: 'sondage-nom',
  title: 'Un nom pour la salle',
  questions: [
    { id: 'nom', type: 'choice', label: 'Quel nom ?', required: true, choices: [{ id: 'loire', label: 'La Loire' }, { id: 'vigne', label: 'Les Vignes' }] },
  ],
  poll: { results: 'always', opens: '2026-01-01T09:00:00+01:00', closes: '2030-06-30T23:59:00+02:00', one_vote: false },
};

async function openBuilder({ colorScheme = 'light', width = 1280 } = {}) {
  const context = await browser.newContext({ viewport: { width, height: 900 }, colorScheme });
  const page = await context.newPage();
  const errors = consoleErrors(page);
  await page.goto(`${collector.url}/builder.html`);
  await verdictOk(page);
  return { page, context, errors };
}

const verdictOk = (page) => page.locator('#verdict.verdict-ok').waitFor();
const verdictBad = (page) => page.locator('#verdict.verdict-bad').waitFor();

// The labels the widget in the preview shows, in order: its questions' legends and labels.
const previewText = (page) =>
  page.evaluate(() => (document.querySelector('#apercu .preview-host')?.shadowRoot?.textContent ?? '').replace(/\u00a0/g, ' '));

// Waits until the preview shows `labels` in this order and none of `absent`.
async function previewShows(page, labels, absent = []) {
  await page.waitForFunction(
    ([labels, absent]) => {
      // The widget binds a space before ? ! : ; with a no-break one: compared as a space.
      const text = document.querySelector('#apercu .preview-host')?.shadowRoot?.querySelector('form')?.textContent?.replace(/\u00a0/g, ' ');
      if (!text) return false;
      const at = labels.map((l) => text.indexOf(l));
      return at.every((i) => i >= 0) && at.every((i, k) => k == 0 || i > at[k - 1]) && absent.every((l) => !text.includes(l));
    },
    [labels, absent],
  );
}

const focusedId = (page) => page.evaluate(() => document.activeElement?.id);

async function importDefinition(page, def) {
  await page.fill('#import-texte', typeof def == 'string' ? def : JSON.stringify(def));
  await page.click('#importer');
}

async function noViolations(page, state) {
  const violations = await axeCheck(page);
  assert.deepEqual(violations, [], `axe-core, ${state}:\n${formatViolations(violations)}`);
}

test('three questions added with the keyboard, shown by the widget, moved and removed', async () => {
  const { page, context, errors } = await openBuilder();
  await page.click('#vider');
  await verdictBad(page);
  assert.equal(await page.locator('#questions > li').count(), 0);
  const added = [
    ['yes_no', 'Avez-vous trouvé la bonne page ?'],
    ['stars', 'Quelle note pour la piscine ?'],
    ['choice', 'Quel créneau préférez-vous ?'],
  ];
  for (const [type, label] of added) {
    await page.selectOption('#nouveau-type', type);
    await page.focus('#ajouter');
    await page.keyboard.press('Enter');
    // Focus goes to the new question's label, ready to type.
    const id = await focusedId(page);
    assert.match(id, /^q\d+-label$/, 'focus is on the new question label');
    await page.keyboard.press('Control+A');
    await page.keyboard.type(label);
  }
  const labels = added.map(([, l]) => l);
  await previewShows(page, labels);
  await verdictOk(page);
  // The third question up: focus stays on its button, now "Monter la question 2", and the move
  // is announced.
  await page.getByRole('button', { name: 'Monter la question 3' }).focus();
  const moved = await focusedId(page);
  await page.keyboard.press('Enter');
  assert.equal(await focusedId(page), moved, 'focus stays on the moved question');
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), 'Monter la question 2');
  await page.waitForFunction(() => /déplacée en position 2 sur 3/.test(document.getElementById('annonce').textContent));
  await previewShows(page, [labels[0], labels[2], labels[1]]);
  // Up again, to the top: its "Monter" is disabled there, so focus goes to "Descendre".
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), 'Descendre la question 1');
  await previewShows(page, [labels[2], labels[0], labels[1]]);
  // Removed: two questions left, in the editor and in the preview.
  await page.getByRole('button', { name: 'Supprimer la question 2' }).click();
  assert.equal(await page.locator('#questions > li').count(), 2);
  await previewShows(page, [labels[2], labels[1]], [labels[0]]);
  await page.waitForFunction(() => /supprimée/.test(document.getElementById('annonce').textContent));
  assert.deepEqual(errors, []);
  await context.close();
});

test('an invalid definition shows the wasm message, keeps the editor and the last preview', async () => {
  const { page, context, errors } = await openBuilder();
  // Voix.check itself: the path and the words of voix-form's reader.
  const direct = await page.evaluate(async () => [
    await Voix.check({ id: 'x', title: 'T', questions: [{ id: 'a', type: 'stars', label: 'A' }] }),
    await Voix.check({ id: 'x', title: 'T', questions: [{ id: 'a', type: 'stars', label: 'A' }, { id: 'a', type: 'yes_no', label: 'B' }] }),
    await Voix.check({ id: 'x', title: 'T', questions: [{ id: 'a', type: 'stars', label: 'A', colour: 'red' }] }),
  ]);
  assert.equal(direct[0], undefined);
  assert.match(direct[1], /^questions\[1\]\.id: .*used twice/);
  assert.match(direct[2], /^questions\[0\]: unknown field `colour`/);

  await page.selectOption('#nouveau-type', 'text');
  await page.click('#ajouter');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('Votre message');
  await previewShows(page, ['Votre message']);
  await verdictOk(page);
  const before = await previewText(page);
  // Question 2 takes question 1's id.
  const firstId = await page.locator('#questions > li').nth(0).locator('input[data-f=id]').inputValue();
  const second = page.locator('#questions > li').nth(1).locator('input[data-f=id]');
  await second.fill(firstId);
  await verdictBad(page);
  const verdict = await page.locator('#verdict').textContent();
  assert.match(verdict, /Question 2/);
  assert.match(verdict, /questions\[1\]\.id: question id `.*` is used twice/);
  // The question says it too, and its field points at the message.
  const own = page.locator('#questions > li').nth(1).locator('.question-error');
  assert.match(await own.textContent(), /used twice/);
  assert.equal(await second.getAttribute('aria-invalid'), 'true');
  const describedBy = (await second.getAttribute('aria-describedby')).split(' ');
  assert.ok(describedBy.includes(await own.getAttribute('id')));
  // Nothing lost: the editor keeps what was typed; the preview is the last valid one.
  assert.equal(await second.inputValue(), firstId);
  assert.equal(await page.locator('#questions > li').nth(1).locator('input[data-f=label]').inputValue(), 'Votre message');
  assert.equal(await previewText(page), before);
  assert.equal(await page.locator('#o-perime').isVisible(), true);
  // A scale whose lowest note is above the highest: refused too.
  await second.fill('message');
  await verdictOk(page);
  await page.selectOption('#nouveau-type', 'scale');
  await page.click('#ajouter');
  const third = page.locator('#questions > li').nth(2);
  await third.locator('input[data-f=max]').fill('1');
  await verdictBad(page);
  assert.match(await page.locator('#verdict').textContent(), /Question 3.*questions\[2\]: fields `min` and `max`/s);
  assert.deepEqual(errors, []);
  await context.close();
});

test('importing a JSON definition fills the editor; bad JSON changes nothing', async () => {
  const { page, context } = await openBuilder();
  const title = await page.inputValue('#f-title');
  await importDefinition(page, '{ "id": "x", ');
  await page.locator('#import-erreur').filter({ hasText: "n'est pas du JSON valable" }).waitFor();
  await importDefinition(page, { ...ALL, questions: [{ ...ALL.questions[0], colour: 'red' }] });
  await page.locator('#import-erreur').filter({ hasText: 'questions[0]: unknown field `colour`' }).waitFor();
  assert.equal(await page.inputValue('#f-title'), title, 'nothing replaced');
  assert.equal(await page.locator('#questions > li').count(), 1);

  await importDefinition(page, ALL);
  await page.locator('#questions > li').nth(9).waitFor();
  assert.equal(await page.locator('#import-erreur').textContent(), '');
  assert.equal(await page.inputValue('#f-id'), 'tout');
  assert.equal(await page.inputValue('#f-title'), ALL.title);
  assert.equal(await page.inputValue('#f-description'), ALL.description);
  assert.equal(await page.locator('#questions > li').count(), 10);
  const ids = await page.locator('#questions input[data-f=id]:not([data-c])').evaluateAll((es) => es.map((e) => e.value));
  assert.deepEqual(ids, ALL.questions.map((q) => q.id));
  await page.waitForFunction(() => document.querySelector('#o-json').textContent.includes('"id": "tout"'));
  await verdictOk(page);
  // The builder's JSON is the definition imported.
  assert.deepEqual(JSON.parse(await page.locator('#o-json').textContent()), ALL);
  await previewShows(page, ['Comment ça va ?']);
  await context.close();
});

test('the TOML written for every kind and for a poll is accepted by a collector', async () => {
  const { page, context } = await openBuilder();
  const tomls = [];
  for (const def of [ALL, POLL]) {
    await importDefinition(page, def);
    await page.waitForFunction((id) => document.querySelector('#o-json').textContent.includes(`"id": "${id}"`), def.id);
    tomls.push({ file: `${def.id}.toml`, text: await page.locator('#o-toml').textContent() });
  }
  assert.match(tomls[0].text, /^\[\[questions\]\]$/m);
  const other = await startCollector({ forms: tomls });
  try {
    for (const def of [ALL, POLL]) {
      const res = await fetch(`${other.url}/v1/forms/${def.id}`);
      assert.equal(res.status, 200, `GET /v1/forms/${def.id}`);
      const served = await res.json();
      assert.equal(served.title, def.title);
      assert.equal(served.description, def.description);
      assert.deepEqual(served.poll, def.poll);
      assert.equal(served.questions.length, def.questions.length);
      def.questions.forEach((q, i) => {
        for (const [k, v] of Object.entries(q)) assert.deepEqual(served.questions[i][k], v, `${def.id}: questions[${i}].${k}`);
      });
    }
  } finally {
    await other.stop();
  }
  await context.close();
});

test('the builder works under a strict CSP: no inline script or style', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = consoleErrors(page);
  const csp =
    "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; connect-src 'self'; " +
    "img-src 'self' data:; base-uri 'none'; form-action 'none'";
  await page.route(`${collector.url}/builder.html`, async (route) => {
    const res = await route.fetch();
    await route.fulfill({ response: res, headers: { ...res.headers(), 'content-security-policy': csp } });
  });
  await page.goto(`${collector.url}/builder.html`);
  await verdictOk(page);
  await previewShows(page, ["De façon générale, comment ça s'est passé ?"]);
  // Colours go to the preview through the CSSOM, which the policy allows.
  await page.check('#t-custom');
  await page.locator('#t-accent').fill('#6a1b9a');
  await page.waitForFunction(() =>
    document.querySelector('#apercu .preview-host')?.style.getPropertyValue('--voix-accent') == '#6a1b9a',
  );
  assert.deepEqual(errors, []);
  await context.close();
});

test('an answer sent from the preview is stored nowhere', async () => {
  const { page, context } = await openBuilder();
  // The builder's own form id is one the demo collector knows: still nothing may reach it.
  await page.fill('#f-id', 'satisfaction');
  await page.waitForFunction(() => document.querySelector('#o-json').textContent.includes('"id": "satisfaction"'));
  await previewShows(page, ["De façon générale, comment ça s'est passé ?"]);
  const posts = [];
  page.on('request', (r) => r.method() == 'POST' && posts.push(r.url()));
  const sent = page.waitForResponse((r) => r.request().method() == 'POST');
  await page.locator('#apercu .preview-host label.smiley').nth(2).click();
  await page.locator('#apercu .preview-host button[type=submit]').click();
  const res = await sent;
  assert.equal(new URL(res.url()).pathname, '/apercu/v1/forms/satisfaction/responses');
  assert.ok(res.status() >= 400 && res.status() < 500 && res.status() != 408 && res.status() != 429, `${res.status()}`);
  // A final refusal: the answer leaves the outbox, and was posted once, nowhere else.
  await page.waitForFunction(() => !JSON.parse(localStorage.getItem('voix-outbox') || '[]').length);
  assert.deepEqual(posts.map((u) => new URL(u).pathname), ['/apercu/v1/forms/satisfaction/responses']);
  assert.deepEqual(await collector.export('satisfaction'), []);
  await context.close();
});

test('the demo index links the builder', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${collector.url}/index.html`);
  await page.getByRole('link', { name: 'Créateur de questionnaires' }).click();
  await page.waitForURL(/\/builder\.html$/);
  await verdictOk(page);
  await context.close();
});

for (const colorScheme of ['light', 'dark']) {
  test(`axe-core finds nothing on the builder (${colorScheme}), empty and with questions`, async () => {
    const { page, context } = await openBuilder({ colorScheme });
    await page.click('#vider');
    await verdictBad(page);
    await noViolations(page, `${colorScheme}, empty (and its error shown)`);
    await importDefinition(page, ALL);
    await verdictOk(page);
    await previewShows(page, ['Comment ça va ?']);
    await page.check('#f-poll');
    await page.check('#t-custom');
    await noViolations(page, `${colorScheme}, every kind of question`);
    await context.close();
  });
}
