// End-to-end tests of the results dashboard (`/admin`) in headless Chromium, against the real
// collector with an admin token (a fresh SQLite database per file): the login form before any
// data, logging in through the form, the list and a form's page with its charts and tables,
// the CSV download with the session, axe-core in light and dark, screenshots at a phone's and
// a desktop's width (/tmp/shots/dashboard-*.png). Run by hand:
//   VOIX_COLLECTOR_BIN=$PWD/target/debug/voix-collector VOIX_ROOT=$PWD node --test tests/e2e/dashboard.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { startCollector, launchBrowser, axeCheck, formatViolations, consoleErrors, ROOT } from './harness.mjs';

const TOKEN = 'e2e-dashboard-token-0123456789';
const SHOTS = '/tmp/shots';
const SEEDED = 300;

const FORM = {
  id: 'enquete',
  title: 'Enquête sur les mobilités',
  questions: [
    {
      id: 'mode',
      type: 'choice',
      label: 'Comment venez-vous en centre-ville ?',
      other: true,
      choices: [
        { id: 'bus', label: 'En bus' },
        { id: 'velo', label: 'À vélo' },
        { id: 'voiture', label: 'En voiture' },
      ],
    },
    { id: 'note', type: 'smileys', label: 'Comment ça s’est passé ?' },
    { id: 'reco', type: 'nps', label: 'Recommanderiez-vous la commune à un ami ?' },
    { id: 'avis', type: 'text', label: 'Un commentaire ?', max_length: 500 },
  ],
};
const POLL = {
  id: 'mediatheque',
  title: 'Quel nom pour la médiathèque ?',
  poll: {},
  questions: [
    { id: 'nom', type: 'choice', label: 'Votre choix', choices: [{ id: 'hugo', label: 'Victor-Hugo' }, { id: 'sand', label: 'George-Sand' }] },
  ],
};

let collector;
let browser;
let axeSource;
const expected = { bus: 0, velo: 0, voiture: 0, other: 0 };

before(async () => {
  collector = await startCollector({
    forms: [
      { file: 'enquete.json', text: JSON.stringify(FORM) },
      { file: 'mediatheque.json', text: JSON.stringify(POLL) },
    ],
    config: { admin_token: TOKEN, rate_limit: { per_minute: 0 } },
  });
  browser = await launchBrowser();
  axeSource = await readFile(path.join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
  await mkdir(SHOTS, { recursive: true });
  const modes = ['bus', 'bus', 'velo', 'voiture', 'bus', 'velo', 'other'];
  const comments = ['Plus de bus le dimanche', 'Les pistes cyclables sont trop étroites', 'Merci !', ''];
  for (let i = 0; i < SEEDED; i++) {
    const mode = modes[i % modes.length];
    expected[mode]++;
    const answers = { mode, note: ['good', 'average', 'bad', 'good'][i % 4], reco: String(i % 11) };
    if (mode === 'other') answers['mode.other'] = 'Trottinette';
    const comment = comments[i % comments.length];
    if (comment) answers.avis = `${comment} (${i})`;
    const r = await fetch(`${collector.url}/v1/forms/enquete/responses`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain;charset=UTF-8' },
      body: JSON.stringify({ v: 1, id: `seed-${String(i).padStart(6, '0')}`, answers }),
    });
    assert.equal(r.status, 201, await r.text());
  }
});

after(async () => {
  await browser?.close();
  await collector?.stop();
});

// Error statuses are logged by Chromium as "Failed to load resource" (the 401 of a page asked
// for without a session, the favicon's 404): expected here; anything else is not.
const unexpected = (errors) => errors.filter((e) => !e.startsWith('Failed to load resource'));

async function open(urlPath, { width = 1280, dark = false, context } = {}) {
  const ctx = context ?? (await browser.newContext({ locale: 'fr-FR', viewport: { width, height: 900 } }));
  const page = await ctx.newPage();
  if (dark) await page.emulateMedia({ colorScheme: 'dark' });
  const errors = consoleErrors(page);
  const response = await page.goto(collector.url + urlPath);
  return { page, context: ctx, response, errors };
}

// The pages have no script and a CSP without a script source: axe is evaluated through the
// DevTools protocol, which the CSP does not govern.
async function assertNoAxeViolations(page, what) {
  await page.evaluate(axeSource);
  const violations = await axeCheck(page);
  assert.deepEqual(violations, [], `violations on ${what}:\n${formatViolations(violations)}`);
}

async function logIn(context) {
  const { page, errors } = await open('/admin', { context });
  await page.getByLabel("Jeton d'administration").fill(TOKEN);
  const posted = page.waitForResponse((r) => r.request().method() === 'POST');
  await page.getByRole('button', { name: 'Se connecter' }).click();
  assert.equal((await posted).status(), 303);
  await page.waitForLoadState('load');
  return { page, errors };
}

test('without a session: the login form and no data, light and dark, axe-clean', async () => {
  for (const dark of [false, true]) {
    const { page, context, response, errors } = await open('/admin', { dark });
    assert.equal(response.status(), 200);
    const headers = response.headers();
    assert.match(headers['content-security-policy'], /^default-src 'none'; style-src 'self'/);
    assert.equal(headers['cache-control'], 'no-store');
    assert.equal(await page.getByLabel("Jeton d'administration").getAttribute('autocomplete'), 'current-password');
    assert.equal(await page.locator('text=Enquête').count(), 0);
    await assertNoAxeViolations(page, `login (${dark ? 'dark' : 'light'})`);
    for (const width of [390, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      await page.screenshot({ path: `${SHOTS}/dashboard-login-${width}-${dark ? 'dark' : 'light'}.png`, fullPage: true });
    }
    const data = await page.goto(`${collector.url}/admin/forms/enquete`);
    assert.equal(data.status(), 401);
    assert.equal(await page.locator('text=Trottinette').count(), 0);
    assert.deepEqual(unexpected(errors), []);
    await context.close();
  }
});

test('a wrong token is said in words, linked to the field', async () => {
  const { page, context } = await open('/admin');
  await page.getByLabel("Jeton d'administration").fill('not-the-right-token-000');
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForLoadState('load');
  const alert = page.getByRole('alert');
  assert.match(await alert.innerText(), /Ce jeton n'est pas le bon/);
  assert.equal(await page.getByLabel("Jeton d'administration").getAttribute('aria-invalid'), 'true');
  assert.deepEqual(await context.cookies(), []);
  await context.close();
});

test('logged in through the form: the list, the form page, the CSV, axe-clean, screenshots', async () => {
  const context = await browser.newContext({ locale: 'fr-FR', viewport: { width: 1280, height: 900 } });
  const { page, errors } = await logIn(context);
  const cookies = await context.cookies();
  assert.equal(cookies.length, 1);
  assert.equal(cookies[0].name, 'voix_admin');
  assert.equal(cookies[0].httpOnly, true);
  assert.equal(cookies[0].sameSite, 'Strict');
  assert.equal(cookies[0].path, '/admin');

  // The list.
  const card = page.locator('.form-card', { hasText: 'Enquête sur les mobilités' });
  assert.equal(await card.locator('[data-answers]').getAttribute('data-answers'), String(SEEDED));
  assert.match(await card.innerText(), /UTC/);
  assert.match(await page.locator('.form-card', { hasText: 'médiathèque' }).innerText(), /sondage/);

  for (const dark of [false, true]) {
    await page.emulateMedia({ colorScheme: dark ? 'dark' : 'light' });
    await page.goto(`${collector.url}/admin`);
    await assertNoAxeViolations(page, `list (${dark ? 'dark' : 'light'})`);
    for (const width of [390, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      await page.screenshot({ path: `${SHOTS}/dashboard-list-${width}-${dark ? 'dark' : 'light'}.png`, fullPage: true });
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1280, height: 900 });

  // The form page.
  await page.goto(`${collector.url}/admin`);
  await Promise.all([page.waitForURL(/\/admin\/forms\/enquete/), card.getByRole('link').click()]);
  assert.equal(await page.locator('#in-range').getAttribute('data-count'), String(SEEDED));
  const charts = page.locator('svg[role="img"]');
  assert.ok((await charts.count()) >= 2, 'the time chart and the NPS bar');
  assert.ok((await page.locator('[role="img"][aria-label]').count()) >= 4);
  const modeTable = page.locator('table.options', { hasText: 'Comment venez-vous' });
  await page.locator('details', { has: modeTable }).locator('summary').click();
  const busRow = modeTable.locator('tr', { hasText: 'En bus' });
  assert.equal((await busRow.locator('td').first().innerText()).replace(/\s/g, ''), String(expected.bus));
  assert.equal(await page.locator('h3', { hasText: 'Recommanderiez-vous' }).count(), 1);
  assert.ok(await page.locator('[data-nps]').count());

  // Filtering by dates through the form: tomorrow onwards has nothing.
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  await page.getByLabel('Du').fill(tomorrow);
  await Promise.all([page.waitForURL(/from=/), page.getByRole('button', { name: 'Filtrer' }).click()]);
  assert.equal(await page.locator('#in-range').getAttribute('data-count'), '0');
  await Promise.all([page.waitForURL(/\/admin\/forms\/enquete\?lang=fr$/), page.getByRole('link', { name: 'Effacer les dates' }).click()]);

  // Searching the texts.
  await page.getByLabel('Rechercher dans les réponses libres').fill('DIMANCHE');
  await Promise.all([page.waitForURL(/q=DIMANCHE/), page.getByRole('button', { name: 'Rechercher' }).click()]);
  const texts = page.locator('article.texts', { hasText: 'Un commentaire' });
  assert.match(await texts.locator('.pager-status').innerText(), /Page 1 sur 4/);
  assert.equal(await texts.locator('.text-list li').count(), 20);

  // The CSV, through its link, with the session cookie.
  await page.goto(`${collector.url}/admin/forms/enquete`);
  const href = await page.getByRole('link', { name: 'Télécharger les réponses (CSV)' }).getAttribute('href');
  const csv = await page.request.get(collector.url + href);
  assert.equal(csv.status(), 200);
  assert.match(csv.headers()['content-disposition'], /attachment; filename="enquete-responses.csv"/);
  assert.equal((await csv.text()).trim().split('\n').length, SEEDED + 1);

  for (const dark of [false, true]) {
    await page.emulateMedia({ colorScheme: dark ? 'dark' : 'light' });
    await page.goto(`${collector.url}/admin/forms/enquete`);
    // Tables open, so axe checks them too.
    for (const s of await page.locator('details.data summary').all()) await s.click();
    await assertNoAxeViolations(page, `form page (${dark ? 'dark' : 'light'})`);
    await page.goto(`${collector.url}/admin/forms/enquete`);
    for (const width of [390, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      await page.screenshot({ path: `${SHOTS}/dashboard-form-${width}-${dark ? 'dark' : 'light'}.png`, fullPage: true });
      // The top of the page as a phone shows it, readable at its size.
      await page.screenshot({ path: `${SHOTS}/dashboard-form-${width}-${dark ? 'dark' : 'light'}-top.png` });
      await page.locator('#questions').scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${SHOTS}/dashboard-form-${width}-${dark ? 'dark' : 'light'}-questions.png` });
    }
  }

  // Logging out clears the cookie and shows the login form again.
  await page.setViewportSize({ width: 1280, height: 900 });
  await Promise.all([page.waitForURL(/\/admin\?lang=fr$/), page.getByRole('button', { name: 'Se déconnecter' }).click()]);
  assert.deepEqual(await context.cookies(), []);
  assert.equal(await page.getByLabel("Jeton d'administration").count(), 1);
  assert.deepEqual(unexpected(errors), []);
  await context.close();
});
