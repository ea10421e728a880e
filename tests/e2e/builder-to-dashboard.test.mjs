// Issue 17's whole path, as the two people it serves would take it, in headless Chromium against
// real collectors: a webmaster builds a three-question form in the builder (www/builder.html),
// takes the collector's TOML file and the snippet it writes, the collector is started with that
// file, a test page holding the snippet is answered by three residents, and the site owner logs in
// to the dashboard and finds the answers in its charts' tables, its free-text list and its CSV.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCollector, launchBrowser, consoleErrors } from './harness.mjs';

const TOKEN = 'e2e-builder-to-dashboard-0123456789';

let builderHost;
let collector;
let browser;

before(async () => {
  builderHost = await startCollector();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await collector?.stop();
  await builderHost?.stop();
});

// The questions the webmaster adds: [type, id, label].
const QUESTIONS = [
  ['stars', 'note', 'Quelle note donnez-vous à la piscine ?'],
  ['choice', 'bassin', 'Quel bassin utilisez-vous le plus ?'],
  ['text', 'avis', 'Que faudrait-il améliorer ?'],
];

// What three residents answer: stars, choice, comment.
const RESIDENTS = [
  ['4', 'choix-1', 'Plus de créneaux le soir'],
  ['5', 'choix-2', 'Des vestiaires plus chauds'],
  ['4', 'choix-1', 'Rien, merci !'],
];

async function buildForm(page) {
  await page.goto(`${builderHost.url}/builder.html`);
  await page.locator('#verdict.verdict-ok').waitFor();
  await page.click('#vider');
  await page.fill('#f-id', 'piscine');
  await page.fill('#f-title', 'La piscine municipale');
  for (const [type, id, label] of QUESTIONS) {
    await page.selectOption('#nouveau-type', type);
    await page.click('#ajouter');
    const item = page.locator('#questions > li').last();
    await item.locator('input[data-f=id]:not([data-c])').fill(id);
    await item.getByLabel('Intitulé de la question').fill(label);
  }
  await page.locator('#questions > li').first().getByLabel('Réponse obligatoire').check();
  await page.locator('#verdict.verdict-ok').waitFor();
  // The real widget in the preview shows the three questions.
  await page.waitForFunction(
    (labels) => {
      // The widget binds a space before ? ! : ; with a no-break one: compared as a space.
      const text = document.querySelector('#apercu .preview-host')?.shadowRoot?.querySelector('form')?.textContent?.replace(/\u00a0/g, ' ');
      return !!text && labels.every((l) => text.includes(l));
    },
    QUESTIONS.map(([, , l]) => l),
  );
  await page.waitForFunction(() => document.querySelector('#o-json').textContent.includes('"id": "piscine"'));
  return page.locator('#o-toml').textContent();
}

test('a form built in the builder, embedded by its snippet, answered, seen in the dashboard and the CSV', async () => {
  // The webmaster builds the form and takes the collector's file.
  const builder = await (await browser.newContext()).newPage();
  const builderErrors = consoleErrors(builder);
  const toml = await buildForm(builder);
  assert.match(toml, /^id = "piscine"$/m);
  assert.equal(toml.match(/^\[\[questions\]\]$/gm)?.length, 3);
  collector = await startCollector({
    forms: [{ file: 'piscine.toml', text: toml }],
    config: { admin_token: TOKEN },
  });
  const served = await (await fetch(`${collector.url}/v1/forms/piscine`)).json();
  assert.deepEqual(
    served.questions.map((q) => [q.type, q.id, q.label]),
    QUESTIONS,
  );
  assert.equal(served.questions[0].required, true);

  // …then the snippet, with the collector's address typed in.
  await builder.fill('#o-endpoint', collector.url);
  await builder.waitForFunction((url) => document.querySelector('#o-snippet').textContent.includes(url), collector.url);
  const snippet = await builder.locator('#o-snippet').textContent();
  assert.match(snippet, /data-voix-form="piscine"/);
  assert.deepEqual(builderErrors, []);

  // The town hall's page holds the snippet as copied.
  const pageUrl = `${collector.url}/vie-locale/piscine.html`;
  const html =
    '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>La piscine — Mairie</title></head>' +
    `<body><main><h1>La piscine municipale</h1>\n${snippet}\n</main></body></html>`;
  for (const [stars, pool, comment] of RESIDENTS) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = consoleErrors(page);
    await page.route(pageUrl, (route) => route.fulfill({ contentType: 'text/html; charset=utf-8', body: html }));
    await page.goto(pageUrl);
    await page.locator(`[data-voix-form] #v-note-${stars}`).focus();
    await page.keyboard.press('Space');
    // A group's first option carries the question's own id (what labels and the summary point to).
    await page.locator(pool === 'choix-1' ? '[data-voix-form] #v-bassin' : `[data-voix-form] #v-bassin-${pool}`).focus();
    await page.keyboard.press('Space');
    await page.locator('[data-voix-form] #v-avis').fill(comment);
    await page.locator('[data-voix-form] button[type=submit]').click();
    await page.locator('[data-voix-form] #v-thanks').waitFor();
    assert.deepEqual(errors, []);
    await context.close();
  }

  // The site owner logs in to the dashboard.
  const context = await browser.newContext({ locale: 'fr-FR' });
  const page = await context.newPage();
  await page.goto(`${collector.url}/admin`);
  await page.getByLabel("Jeton d'administration").fill(TOKEN);
  await Promise.all([page.waitForURL(`${collector.url}/admin`), page.getByRole('button', { name: 'Se connecter' }).click()]);
  const card = page.locator('.form-card', { hasText: 'La piscine municipale' });
  assert.equal(await card.locator('[data-answers]').getAttribute('data-answers'), '3');
  await Promise.all([page.waitForURL(/\/admin\/forms\/piscine/), card.getByRole('link').click()]);
  assert.equal(await page.locator('#in-range').getAttribute('data-count'), '3');

  // Each question's chart, read through its table: two 4-star answers and one 5, mean 4.33;
  // the first pool twice, the second once.
  const countOf = async (label, row) => {
    const section = page.locator('article.question', { has: page.locator('h3', { hasText: label }) });
    assert.ok((await section.locator('[role="img"]').count()) >= 1, `${label}: a chart`);
    const header = page.locator('th[scope=row]', { hasText: new RegExp(`^${row}`) });
    const cell = section.locator('table tr', { has: header }).locator('td').first();
    return (await cell.textContent()).replace(/\s/g, '');
  };
  assert.equal(await countOf(QUESTIONS[0][2], '4'), '2');
  assert.equal(await countOf(QUESTIONS[0][2], '5'), '1');
  assert.match(await page.locator('article.question', { has: page.locator('h3', { hasText: QUESTIONS[0][2] }) }).innerText(), /4,33/);
  assert.equal(await countOf(QUESTIONS[1][2], 'Premier choix'), '2');
  assert.equal(await countOf(QUESTIONS[1][2], 'Deuxième choix'), '1');
  const texts = await page.locator('main').innerText();
  for (const [, , comment] of RESIDENTS) assert.ok(texts.includes(comment), `the comment "${comment}" is listed`);

  // The CSV its button downloads, with the session.
  const csvLink = page.getByRole('link', { name: /CSV/ });
  const csv = await context.request.get(new URL(await csvLink.getAttribute('href'), page.url()).href);
  assert.equal(csv.status(), 200);
  const body = await csv.text();
  assert.match(body.split('\r\n')[0], /note,bassin,avis/);
  const rows = body.trim().split('\r\n').slice(1);
  assert.equal(rows.length, 3);
  for (const [stars, pool, comment] of RESIDENTS) {
    assert.ok(
      rows.some((r) => r.endsWith(`,${stars},${pool},${comment.includes(',') ? `"${comment}"` : comment}`)),
      `a CSV row for ${stars}, ${pool}, ${comment}:\n${body}`,
    );
  }
  await context.close();
});
