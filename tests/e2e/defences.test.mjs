// End-to-end tests of the defences against robots (issue 16), in headless Chromium against the
// real collector: a resident's vote carries a proof of work solved by the widget with the
// browser's SubtleCrypto while the poll is on screen; a scripted flood without valid proofs stores
// nothing; the honeypot is out of the keyboard's reach and of the accessibility tree, and axe-core
// finds nothing; a page without Web Crypto (plain http, not localhost) links the no-JS page.
//
// Also a measure, printed, never asserted: how long the widget takes to solve a challenge at the
// collector's default difficulty (from the challenge's arrival to the vote leaving, with the
// resident having voted at once).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import {
  CHROMIUM,
  startCollector,
  launchBrowser,
  axeCheck,
  formatViolations,
  consoleErrors,
  revealWidgets,
} from './harness.mjs';

let collector;
let browser;

before(async () => {
  collector = await startCollector({
    config: {
      // Every post of the flood reaches the proof check (the per-client limit is tested apart).
      rate_limit: { per_minute: 0 },
      // The demo's poll: the defaults of a poll (proof of work at the default difficulty,
      // 3 s between the challenge and the vote).
      form: { mediatheque: { public_results: true } },
    },
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await collector?.stop();
});

const W = '[data-voix-form]';

test('a resident votes: the widget solves the challenge while the poll is read, the vote is stored', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = consoleErrors(page);
  const posts = [];
  page.on('request', (r) => r.method() === 'POST' && posts.push(r.postData()));
  const challenged = page.waitForResponse((r) => r.url().endsWith('/v1/forms/mediatheque/challenge'));
  await page.goto(collector.url + '/sondage.html');
  await revealWidgets(page);
  // Solving starts as soon as the poll is shown, before any click.
  assert.equal((await challenged).status(), 200);
  // The resident reads for 3 s (the poll's minimum), then votes with the keyboard.
  await page.waitForTimeout(3_100);
  await page.locator(W).locator('input[type=radio]').first().focus();
  await page.keyboard.press('Space');
  await page.keyboard.press('Enter');
  await page.locator(W).locator('.poll-state .said').waitFor();
  assert.equal(posts.length, 1, 'one POST');
  const body = JSON.parse(posts[0]);
  const payload = JSON.parse(Buffer.from(body.altcha, 'base64').toString());
  assert.equal(payload.challenge.parameters.algorithm, 'PBKDF2/SHA-256');
  assert.equal(payload.challenge.parameters.data.form, 'mediatheque');
  assert.equal(typeof payload.solution.counter, 'number');
  assert.match(payload.solution.derivedKey, /^[0-9a-f]{64}$/);
  assert.equal(body.hp, undefined, 'the trap is empty');
  assert.equal((await collector.export('mediatheque')).length, 1);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a scripted flood of 1 000 posts without valid proofs stores nothing', async () => {
  const url = `${collector.url}/v1/forms/mediatheque/responses`;
  const challenge = await (await fetch(`${collector.url}/v1/forms/mediatheque/challenge`)).json();
  const codes = {};
  const send = async (i) => {
    // No proof, junk, or a guessed solution of a real challenge.
    const guess = { challenge, solution: { counter: i, derivedKey: i.toString(16).padStart(64, '0') } };
    const altcha = [undefined, 'AAAA', Buffer.from(JSON.stringify(guess)).toString('base64')][i % 3];
    const r = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain;charset=UTF-8', origin: collector.url },
      body: JSON.stringify({ v: 1, id: `flood-${String(i).padStart(6, '0')}`, answers: { nom: 'confluence' }, altcha }),
    });
    const code = (await r.json()).error?.code ?? String(r.status);
    codes[code] = (codes[code] ?? 0) + 1;
  };
  const before = (await collector.export('mediatheque')).length;
  for (let i = 0; i < 1000; i += 50) {
    await Promise.all(Array.from({ length: 50 }, (_, j) => send(i + j)));
  }
  test.diagnostic?.(`flood: ${JSON.stringify(codes)}`);
  console.log(`# defences: 1000 posts without a valid proof: ${JSON.stringify(codes)}`);
  const total = Object.values(codes).reduce((a, b) => a + b, 0);
  assert.equal(total, 1000);
  for (const code of Object.keys(codes)) assert.match(code, /^(proof_required|proof_invalid)$/, code);
  assert.equal((await collector.export('mediatheque')).length, before, 'nothing stored');
});

test('the honeypot is out of reach: not focusable, not in the accessibility tree; axe finds nothing', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(collector.url + '/mairie.html');
  await revealWidgets(page);
  const host = page.locator(W).first();
  const trap = host.locator('#v-website');
  assert.equal(await trap.count(), 1);
  assert.equal(await trap.getAttribute('tabindex'), '-1');
  assert.equal(await trap.getAttribute('autocomplete'), 'off');
  // Not on screen: its box is one pixel, clipped to nothing; hidden from assistive technology.
  const wrap = host.locator('.trap');
  assert.equal(await wrap.getAttribute('aria-hidden'), 'true');
  const box = await wrap.boundingBox();
  assert.ok(box.width <= 1 && box.height <= 1, JSON.stringify(box));
  const style = await wrap.evaluate((e) => {
    const s = getComputedStyle(e);
    return { overflow: s.overflow, clip: s.clipPath, position: s.position };
  });
  assert.deepEqual(style, { overflow: 'hidden', clip: 'inset(50%)', position: 'absolute' });
  assert.doesNotMatch(await host.ariaSnapshot(), /Website/, 'not in the accessibility tree');
  // From the form's first field, Tab goes through the whole form and out of it without ever
  // landing on the trap.
  await host.locator('input').first().focus();
  const seen = [];
  for (let i = 0; i < 20; i++) {
    await page.keyboard.press('Tab');
    seen.push(
      await page.evaluate(() => {
        let a = document.activeElement;
        while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
        return a?.id || a?.tagName;
      }),
    );
  }
  assert.ok(seen.some((id) => /^v-/.test(id)), `Tab reached the form: ${seen}`);
  assert.ok(!seen.includes('v-website'), `never the trap: ${seen}`);
  const v = await axeCheck(page, W);
  assert.deepEqual(v, [], formatViolations(v));
  await context.close();
});

test('how long the widget takes to solve a challenge at the default difficulty (printed)', async () => {
  // The solver's own measure, which the payload carries (ALTCHA's `solution.time`): from the
  // challenge's arrival to the key found, over 15 fresh page loads.
  const quick = await startCollector({
    config: { rate_limit: { per_minute: 0 }, form: { mediatheque: { public_results: true, min_seconds: 0 } } },
  });
  const times = [];
  try {
    for (let i = 0; i < 15; i++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      const posted = page.waitForRequest((r) => r.method() === 'POST');
      await page.goto(quick.url + '/sondage.html');
      await revealWidgets(page);
      await page.locator(W).locator('input[type=radio]').first().check();
      await page.locator(W).locator('button[type=submit]').click();
      const body = JSON.parse((await posted).postData());
      const payload = JSON.parse(Buffer.from(body.altcha, 'base64').toString());
      assert.equal(typeof payload.solution.time, 'number');
      times.push(payload.solution.time);
      await page.locator(W).locator('.poll-state .said').waitFor();
      await context.close();
    }
  } finally {
    await quick.stop();
  }
  times.sort((a, b) => a - b);
  const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
  console.log(
    `# defences: solve time in headless Chromium, cost 5000, 200 attempts on average: median ${at(0.5)} ms, p90 ${at(0.9)} ms, min ${times[0]}, max ${times.at(-1)} (${times.join(' ')})`,
  );
});

test('without Web Crypto (plain http on a public name) the poll links its page without JavaScript', async () => {
  const port = new URL(collector.url).port;
  // `voix.test` resolves to loopback but is not `localhost`: over http it is no secure context.
  const insecure = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--host-resolver-rules=MAP voix.test 127.0.0.1'],
  });
  try {
    const page = await insecure.newPage();
    const errors = consoleErrors(page);
    const base = `http://voix.test:${port}`;
    await page.goto(base + '/sondage.html');
    assert.equal(await page.evaluate(() => window.isSecureContext), false);
    await page.locator(`${W} >> nth=0`).scrollIntoViewIfNeeded();
    const link = page.locator(`${W} a[data-voix-fallback]`);
    await link.waitFor();
    assert.equal(await link.getAttribute('href'), `${base}/f/mediatheque`);
    assert.match(await link.textContent(), /sans JavaScript/);
    assert.equal(errors.filter((e) => e.includes('proof of work')).length, 1, errors.join('\n'));
    assert.equal(await page.evaluate((s) => !!document.querySelector(s).shadowRoot, W), false);
  } finally {
    await insecure.close();
  }
});
