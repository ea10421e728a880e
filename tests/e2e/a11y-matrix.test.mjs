// The accessibility matrix, part 1: axe-core (WCAG 2.0/2.1 A and AA rules, inside the shadow
// root too) on the demo town-hall page, for every state of its form × light and dark colour
// schemes (the page themes the widget through its `--voix-*` properties) × French and English.
// Part 2, every question kind and a poll in the widget's own themes × fr/en/ar, is
// a11y-kinds-light.test.mjs and a11y-kinds-dark.test.mjs (each file has its own time limit).
// Each run must find 0 violations; the number of states checked is printed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCollector, launchBrowser, axeCheck, revealWidgets } from './harness.mjs';

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

const W = '[data-voix-form]';

// Each state is reached from a freshly loaded page; `posts` decides what the endpoint answers.
const STATES = {
  empty: async () => {},
  errors: async (page) => {
    // Both kinds of field error: a required smiley missing, a text over its limit.
    await page.locator(`${W} textarea`).fill('x'.repeat(501));
    await page.locator(`${W} button[type=submit]`).click();
    await page.locator(`${W} #v-summary`).waitFor();
  },
  answered: async (page) => {
    await page.locator(`${W} label.smiley`).nth(2).click();
    await page.locator(`${W} textarea`).fill('Tout était clair.');
  },
  'refused (terminal error)': async (page) => {
    await page.route('**/responses', (r) =>
      r.fulfill({
        status: 404,
        contentType: 'application/json',
        body: '{"error":{"code":"not_found","message":"unknown form","field":null}}',
      }),
    );
    await page.locator(`${W} label.smiley`).nth(0).click();
    await page.locator(`${W} button[type=submit]`).click();
    await page.locator(`${W} [role=alert]`).waitFor();
  },
  queued: async (page) => {
    await page.route('**/responses', (r) => r.abort('internetdisconnected'));
    await page.locator(`${W} label.smiley`).nth(1).click();
    await page.locator(`${W} button[type=submit]`).click();
    await page.locator(`${W} .queued`).waitFor();
  },
  sent: async (page) => {
    await page.locator(`${W} label.smiley`).nth(1).click();
    await page.locator(`${W} button[type=submit]`).click();
    await page.locator(`${W} .thanks:not(.queued)`).waitFor();
  },
};

test('axe-core: 0 violations in every state × light/dark × fr/en', async () => {
  const failures = [];
  let checked = 0;
  for (const scheme of ['light', 'dark']) {
    for (const lang of ['fr', 'en']) {
      for (const [name, reach] of Object.entries(STATES)) {
        const context = await browser.newContext({
          viewport: { width: 1280, height: 900 },
          colorScheme: scheme,
        });
        const page = await context.newPage();
        if (lang !== 'fr') {
          // The placeholder asks for the language, as a webmaster would with data-lang.
          await page.route('**/mairie.html', async (route) => {
            const res = await route.fetch();
            const html = (await res.text()).replace(
              'data-voix-form="satisfaction"',
              `data-voix-form="satisfaction" data-lang="${lang}"`,
            );
            await route.fulfill({ response: res, body: html });
          });
        }
        await page.goto(collector.url + '/mairie.html');
        await revealWidgets(page);
        assert.equal(await page.locator(`${W} .voix`).getAttribute('lang'), lang);
        await reach(page);
        const violations = await axeCheck(page);
        checked += 1;
        for (const v of violations) {
          failures.push(
            `${scheme}/${lang}/${name}: ${v.id} ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
          );
        }
        await context.close();
      }
    }
  }
  console.log(`axe-core matrix: ${checked} states checked (6 states × 2 schemes × 2 languages), ${failures.length} violations`);
  assert.deepEqual(failures, []);
  assert.equal(checked, 24);
});

