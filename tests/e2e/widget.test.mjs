// End-to-end tests of the widget on the demo and fixture pages, in headless Chromium, against the
// real collector (a fresh SQLite database per file). Run by `cargo xtask test` after `dist`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCollector, launchBrowser, axeCheck, consoleErrors, revealWidgets, shipped } from './harness.mjs';

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

// The element that really has focus, looking through shadow roots.
const deepFocus = (page) =>
  page.evaluate(() => {
    let a = document.activeElement;
    while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
    return a ? { id: a.id, tag: a.tagName.toLowerCase(), host: a.getRootNode().host?.id ?? null } : null;
  });

async function openPage(path, { onInit, reveal = true } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = consoleErrors(page);
  if (onInit) await page.addInitScript(onInit);
  await page.goto(collector.url + path);
  if (reveal) await revealWidgets(page);
  return { page, errors, context };
}

const formIn = (page, selector = '[data-voix-form]') => page.locator(`${selector} form`).first();

test('keyboard only: answer the demo page, submit, and the answer is in the database', async () => {
  const { page, errors, context } = await openPage('/mairie.html');
  await formIn(page).waitFor();
  // Tab from the top of the page until the first smiley has focus.
  let focus;
  for (let i = 0; i < 80; i++) {
    await page.keyboard.press('Tab');
    focus = await deepFocus(page);
    if (focus?.id === 'v-note') break;
  }
  assert.equal(focus?.id, 'v-note', 'Tab reaches the first smiley');
  // Arrow keys move through the radio group and select.
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  assert.equal((await deepFocus(page)).id, 'v-note-good');
  await page.keyboard.press('Tab');
  assert.equal((await deepFocus(page)).id, 'v-commentaire');
  await page.keyboard.type('Très clair, merci <b>!</b>');
  await page.keyboard.press('Tab');
  assert.equal((await deepFocus(page)).tag, 'button');
  await page.keyboard.press('Enter');
  const thanks = page.locator('[data-voix-form] #v-thanks');
  await thanks.waitFor();
  assert.equal((await deepFocus(page)).id, 'v-thanks', 'focus moves to the thank-you heading');
  const live = await page.locator('[data-voix-form] [role=status]').first().textContent();
  assert.equal(live, 'Votre réponse a bien été envoyée.');
  const rows = await collector.export('satisfaction');
  assert.equal(rows.length, 1);
  assert.deepEqual(rows[0].answers, { note: 'good', commentaire: 'Très clair, merci <b>!</b>' });
  assert.match(rows[0].submission_id, /^[0-9a-f]{32}$/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('axe-core finds no WCAG 2.1 A/AA violation: empty, errors, queued, sent', async () => {
  const { page, context } = await openPage('/mairie.html');
  await formIn(page).waitFor();
  // The first POST fails, so the answer waits in the outbox before the retry delivers it.
  let posts = 0;
  await page.route('**/v1/forms/satisfaction/responses', (route) =>
    ++posts === 1 ? route.abort('internetdisconnected') : route.continue(),
  );
  const states = {};
  states.empty = await axeCheck(page);
  await page.locator('[data-voix-form] button[type=submit]').click();
  await page.locator('[data-voix-form] #v-summary').waitFor();
  states.errors = await axeCheck(page);
  await page.locator('[data-voix-form] label.smiley').nth(1).click();
  await page.locator('[data-voix-form] button[type=submit]').click();
  await page.locator('[data-voix-form] .queued').waitFor();
  states.queued = await axeCheck(page);
  await page.locator('[data-voix-form] .thanks:not(.queued)').waitFor();
  states.sent = await axeCheck(page);
  for (const [state, violations] of Object.entries(states)) {
    assert.deepEqual(
      violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
      [],
      `violations in state ${state}`,
    );
  }
  console.log(`axe-core: ${Object.keys(states).length} states checked, 0 violations`);
  await context.close();
});

test('a failed POST is kept in the outbox, says so, and is delivered once by the automatic retry', async () => {
  const { page, context } = await openPage('/mairie.html');
  await formIn(page).waitFor();
  const before = (await collector.export('satisfaction')).length;
  let posts = 0;
  await page.route('**/v1/forms/satisfaction/responses', async (route) => {
    posts += 1;
    if (posts === 1) await route.abort('internetdisconnected');
    else await route.continue();
  });
  await page.locator('[data-voix-form] label.smiley').first().click();
  await page.locator('[data-voix-form] #v-commentaire').fill('Panne réseau');
  await page.locator('[data-voix-form] button[type=submit]').click();
  // The truth first: not sent yet, but kept.
  const queued = page.locator('[data-voix-form] .queued');
  await queued.waitFor();
  assert.match(await queued.textContent(), /Votre réponse sera envoyée dès que possible\./);
  assert.equal((await deepFocus(page)).id, 'v-thanks', 'focus moves to the status heading');
  assert.equal(
    await page.locator('[data-voix-form] [role=status]').first().textContent(),
    'Votre réponse sera envoyée dès que possible.',
    'the live region says it is queued, not sent',
  );
  const kept = await page.evaluate(() => JSON.parse(localStorage.getItem('voix-outbox')));
  assert.equal(kept.length, 1);
  assert.deepEqual(JSON.parse(kept[0].body).answers, { note: 'bad', commentaire: 'Panne réseau' });
  // Then the retry (after 0.5 to 1 s) delivers it, and the view says so.
  await page.locator('[data-voix-form] .thanks:not(.queued)').waitFor();
  const live = await page.locator('[data-voix-form] [role=status]').first().textContent();
  assert.equal(live, 'Votre réponse a bien été envoyée.');
  const rows = await collector.export('satisfaction');
  assert.equal(rows.length, before + 1);
  assert.deepEqual(rows.at(-1).answers, { note: 'bad', commentaire: 'Panne réseau' });
  assert.equal(rows.at(-1).submission_id, kept[0].id);
  assert.equal(posts, 2);
  assert.equal(await page.evaluate(() => localStorage.getItem('voix-outbox')), null, 'nothing left behind');
  await context.close();
});

// Private browsing, a full quota or a setting can refuse storage: the widget keeps the answer in
// memory, says so once in the console, and never throws into the page.
for (const [refusal, init] of [
  [
    'localStorage itself throws',
    () =>
      Object.defineProperty(window, 'localStorage', {
        get() {
          throw new DOMException('The operation is insecure.', 'SecurityError');
        },
      }),
  ],
  [
    'every write is over quota',
    () => {
      Storage.prototype.setItem = () => {
        throw new DOMException('quota', 'QuotaExceededError');
      };
    },
  ],
]) {
  test(`storage refused (${refusal}): the answer is retried from memory and delivered once`, async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const messages = [];
    page.on('console', (m) => messages.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => messages.push(`uncaught: ${e.message}`));
    await page.addInitScript(init);
    await page.goto(collector.url + '/mairie.html');
    await revealWidgets(page);
    const before = (await collector.export('satisfaction')).length;
    let posts = 0;
    await page.route('**/v1/forms/satisfaction/responses', (route) =>
      ++posts === 1 ? route.abort('internetdisconnected') : route.continue(),
    );
    await page.locator('[data-voix-form] label.smiley').nth(2).click();
    await page.locator('[data-voix-form] #v-commentaire').fill(`sans stockage (${refusal})`);
    await page.locator('[data-voix-form] button[type=submit]').click();
    await page.locator('[data-voix-form] .queued').waitFor();
    await page.locator('[data-voix-form] .thanks:not(.queued)').waitFor();
    const rows = await collector.export('satisfaction');
    assert.equal(rows.length, before + 1);
    assert.equal(rows.at(-1).answers.commentaire, `sans stockage (${refusal})`);
    assert.equal(posts, 2);
    const warnings = messages.filter((m) => m.includes('[voix]'));
    assert.deepEqual(
      warnings,
      ['warning: [voix] no localStorage: unsent answers are retried only while the page is open'],
      messages.join('\n'),
    );
    assert.equal(messages.filter((m) => m.startsWith('uncaught')).length, 0, messages.join('\n'));
    await context.close();
  });
}

test('lazy loading: nothing but voix.js until the form is within a screen, then one fetch and a mount', async () => {
  const { page, errors, context } = await openPage('/fixtures/far-below.html', { reveal: false });
  const widgetRequests = [];
  page.on('request', (r) => {
    if (/\/(voix-widget|voix_bg)\.[0-9a-f]+\.(js|wasm)$|\/v1\/forms\//.test(r.url())) widgetRequests.push(r.url());
  });
  await page.waitForFunction(() => window.Voix !== undefined);
  await page.waitForTimeout(1_000);
  assert.deepEqual(widgetRequests, [], 'nothing fetched while the form is far below');
  const far = await page.evaluate(() => !document.querySelector('#far').shadowRoot);
  assert.ok(far, 'not mounted yet');
  // Scroll until the placeholder is a little less than one screen below the viewport.
  await page.evaluate(() => {
    const top = document.querySelector('#far').getBoundingClientRect().top + window.scrollY;
    window.scrollTo(0, top - 1.8 * window.innerHeight);
  });
  await page.waitForFunction(() => document.querySelector('#far').shadowRoot?.querySelector('form'));
  const kinds = widgetRequests.map((u) => new URL(u).pathname).sort();
  assert.deepEqual(kinds, ['/v1/forms/satisfaction', `/${shipped('voix-widget.js')}`, `/${shipped('voix_bg.wasm')}`]);
  // Scrolling on does not fetch anything again.
  await page.evaluate(() => document.querySelector('#far').scrollIntoView());
  await page.waitForTimeout(300);
  assert.equal(widgetRequests.length, 3);
  assert.deepEqual(errors, []);
  await context.close();
});

test('layout shift on the demo page: only the form appearing (reported, not timed)', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.addInitScript(() => {
    window.__shifts = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        if (!e.hadRecentInput) window.__shifts.push({ value: e.value, at: e.startTime });
      }
    }).observe({ type: 'layout-shift', buffered: true });
  });
  await page.goto(collector.url + '/mairie.html');
  await page.waitForLoadState('load');
  await page.waitForTimeout(500);
  const beforeScroll = await page.evaluate(() => window.__shifts.reduce((s, e) => s + e.value, 0));
  await revealWidgets(page);
  await page.waitForTimeout(500);
  const shifts = await page.evaluate(() => window.__shifts);
  const total = shifts.reduce((s, e) => s + e.value, 0);
  console.log(
    `cumulative layout shift, demo page 1280×900: ${total.toFixed(4)} ` +
      `(${shifts.length} shifts; ${beforeScroll.toFixed(4)} before the form was scrolled near)`,
  );
  // The loader itself moves nothing: before the form comes near, the page has not shifted.
  assert.equal(beforeScroll, 0);
  await context.close();
});

test('the POST is a CORS-simple text/plain request without credentials', async () => {
  const { page, context } = await openPage('/mairie.html');
  await formIn(page).waitFor();
  const request = page.waitForRequest((r) => r.method() === 'POST');
  await page.locator('[data-voix-form] label.smiley').nth(2).click();
  await page.locator('[data-voix-form] button[type=submit]').click();
  const req = await request;
  assert.equal(req.headers()['content-type'], 'text/plain;charset=UTF-8');
  assert.equal(req.headers()['cookie'], undefined);
  const body = JSON.parse(req.postData());
  assert.equal(body.v, 1);
  assert.deepEqual(body.answers, { note: 'good' });
  await page.locator('[data-voix-form] #v-thanks').waitFor();
  await context.close();
});

test('two placeholders on one page each get their own widget; only window.Voix is added', async () => {
  const { page, errors, context } = await openPage('/fixtures/two-widgets.html', {
    onInit: () => {
      window.__before = Object.getOwnPropertyNames(window);
    },
  });
  await page.waitForFunction(
    () => [...document.querySelectorAll('[data-voix-form]')].every((h) => h.shadowRoot?.querySelector('form')),
  );
  const hosts = await page.locator('[data-voix-form]').count();
  assert.equal(hosts, 2);
  // Answering one does not touch the other.
  await page.locator('[data-voix-form] label.smiley').first().click();
  const checked = await page.evaluate(() =>
    [...document.querySelectorAll('[data-voix-form]')].map((h) => h.shadowRoot.querySelectorAll('input:checked').length),
  );
  assert.deepEqual(checked, [1, 0]);
  const added = await page.evaluate(() =>
    Object.getOwnPropertyNames(window).filter((k) => !window.__before.includes(k) && k !== '__before'),
  );
  assert.deepEqual(added, ['Voix']);
  assert.deepEqual(errors, []);
  await context.close();
});

test('an inline definition renders its own form and posts to the configured endpoint', async () => {
  const { page, context } = await openPage('/fixtures/inline-definition.html');
  const form = page.locator('[data-voix-form="velo"] form');
  await form.waitFor();
  assert.equal(await page.locator('[data-voix-form="velo"] h2').first().textContent(), 'Pistes cyclables');
  // This endpoint does not know the form: the resident is told so, in words.
  await page.locator('[data-voix-form="velo"] label.smiley').first().click();
  await page.locator('[data-voix-form="velo"] button[type=submit]').click();
  const alert = page.locator('[data-voix-form="velo"] [role=alert]');
  await alert.waitFor();
  assert.match(await alert.textContent(), /n’existe plus/);
  await context.close();
});

test('hostile host CSS does not reach inside the widget', async () => {
  const { page, context } = await openPage('/fixtures/hostile-css.html');
  await formIn(page).waitFor();
  const styles = await page.evaluate(() => {
    const root = document.querySelector('[data-voix-form]').shadowRoot;
    const cs = (sel) => getComputedStyle(root.querySelector(sel));
    return {
      button: cs('button').display,
      buttonColor: cs('button').color,
      legendSize: cs('legend').fontSize,
      titleTransform: cs('h2').textTransform,
      rootFontSize: cs('.voix').fontSize,
      rootMaxWidth: cs('.voix').maxWidth,
      rootStyle: cs('.voix').fontStyle,
    };
  });
  assert.notEqual(styles.button, 'none');
  assert.notEqual(styles.buttonColor, 'rgb(255, 0, 0)');
  assert.notEqual(styles.legendSize, '40px');
  assert.equal(styles.titleTransform, 'none');
  // The host's `html { font-size: 10px }` and inherited body styles do not shrink or restyle it.
  assert.equal(styles.rootFontSize, '16px');
  assert.equal(styles.rootMaxWidth, '640px');
  assert.equal(styles.rootStyle, 'normal');
  assert.deepEqual(await axeCheck(page, '[data-voix-form]'), []);
  await context.close();
});

test('bad configuration: one clear console.error per problem, page intact', async () => {
  const { page, errors, context } = await openPage('/fixtures/bad-config.html', { reveal: false });
  // Wait (bounded) for both messages, then a little longer to catch any extra one.
  for (let i = 0; i < 100 && errors.filter((e) => e.startsWith('[voix]')).length < 2; i++) {
    await page.waitForTimeout(50);
  }
  await page.waitForTimeout(300);
  const voixErrors = errors.filter((e) => e.startsWith('[voix]'));
  assert.equal(voixErrors.length, 2, voixErrors.join('\n'));
  assert.ok(voixErrors.some((e) => e.includes('nexiste-pas')), voixErrors.join('\n'));
  // The browser itself logs the 404 of the unknown form's definition; nothing else may appear.
  const others = errors.filter((e) => !e.startsWith('[voix]') && !e.startsWith('Failed to load resource'));
  assert.deepEqual(others, []);
  assert.equal(await page.locator('#host-content').textContent(), 'Contenu de la page hôte');
  const shadows = await page.evaluate(() => [...document.querySelectorAll('[data-voix-form]')].filter((h) => h.shadowRoot).length);
  assert.equal(shadows, 0);
  await context.close();
});

test('no placeholder: one console.error telling the webmaster what to add', async () => {
  const { page, errors, context } = await openPage('/fixtures/no-placeholder.html', { reveal: false });
  await page.waitForFunction(() => window.Voix !== undefined);
  await page.waitForTimeout(200);
  const voixErrors = errors.filter((e) => e.startsWith('[voix]'));
  assert.equal(voixErrors.length, 1, errors.join('\n'));
  assert.match(voixErrors[0], /data-voix-form/);
  await context.close();
});

test('when the wasm cannot start, each placeholder links to the no-JS page of its form', async () => {
  // A page whose wasm is blocked (as a CSP without 'wasm-unsafe-eval' would).
  const ctx = await browser.newContext();
  const p = await ctx.newPage();
  const errs = consoleErrors(p);
  await p.route(`**/${shipped('voix_bg.wasm')}`, (route) => route.abort('blockedbyclient'));
  await p.goto(collector.url + '/fixtures/two-widgets.html');
  const links = p.locator('[data-voix-form] > a');
  await links.first().waitFor();
  assert.equal(await links.count(), 2);
  assert.equal(new URL(await links.first().getAttribute('href'), collector.url).pathname, '/f/satisfaction');
  assert.match(await links.first().textContent(), /sans JavaScript/);
  assert.ok(errs.some((e) => e.startsWith('[voix] the form could not start')), errs.join('\n'));
  await ctx.close();
});

test('at 320 px wide (or 1280 px at 400 % zoom) nothing scrolls sideways, in every state', async () => {
  const context = await browser.newContext({ viewport: { width: 320, height: 640 } });
  const page = await context.newPage();
  await page.goto(collector.url + '/mairie.html');
  await revealWidgets(page);
  const overflow = () =>
    page.evaluate(() => {
      const host = document.querySelector('[data-voix-form]');
      const root = host.shadowRoot.querySelector('.voix');
      return {
        page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
        widget: root.scrollWidth - root.clientWidth,
        widgetRight: Math.round(root.getBoundingClientRect().right - document.documentElement.clientWidth),
      };
    });
  const check = async (state) => {
    const o = await overflow();
    assert.ok(o.page <= 0 && o.widget <= 0 && o.widgetRight <= 0, `${state}: ${JSON.stringify(o)}`);
  };
  await check('empty');
  await page.locator('[data-voix-form] button[type=submit]').click();
  await page.locator('[data-voix-form] #v-summary').waitFor();
  await check('errors');
  await page.locator('[data-voix-form] label.smiley').nth(1).click();
  await page.locator('[data-voix-form] #v-commentaire').fill('x'.repeat(600));
  await check('too long');
  await context.close();
});

test('every smiley and the button are at least 44 × 44 px (touch targets)', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true });
  const page = await context.newPage();
  await page.goto(collector.url + '/mairie.html');
  await revealWidgets(page);
  const sizes = await page.evaluate(() => {
    const root = document.querySelector('[data-voix-form]').shadowRoot;
    // Not the trap for robots (issue 16): hidden from people, it is no target.
    const targets = root.querySelectorAll('label.smiley, button, input[type=text], textarea');
    return [...targets].filter((e) => !e.closest('[aria-hidden=true]')).map((e) => {
      const r = e.getBoundingClientRect();
      return { what: e.className || e.tagName, w: r.width, h: r.height };
    });
  });
  assert.ok(sizes.length >= 5);
  for (const s of sizes) assert.ok(s.w >= 44 && s.h >= 44, JSON.stringify(s));
  await context.close();
});

test('in forced-colours mode the chosen smiley stays distinguishable and faces stay drawn', async () => {
  const context = await browser.newContext({ forcedColors: 'active', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(collector.url + '/mairie.html');
  await revealWidgets(page);
  await page.locator('[data-voix-form] label.smiley').nth(2).click();
  const look = await page.evaluate(() => {
    const root = document.querySelector('[data-voix-form]').shadowRoot;
    const [off, , on] = root.querySelectorAll('label.smiley');
    const face = root.querySelector('.face');
    return {
      on: getComputedStyle(on).borderTopWidth,
      off: getComputedStyle(off).borderTopWidth,
      face: getComputedStyle(face).borderTopStyle,
    };
  });
  assert.notEqual(look.on, look.off, JSON.stringify(look));
  assert.equal(look.face, 'solid');
  await context.close();
});
