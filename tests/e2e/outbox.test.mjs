// End-to-end fault tests of the outbox (issue "Never lose an answer"): in each scenario 50
// residents' answers leave a host page on its own origin, cross a fault-injecting proxy and reach
// a real collector with a fresh database; every answer must be stored exactly once, or, when the
// collector refuses it for good, shown as refused and never retried. Run with the other e2e
// tests, or alone:
//   VOIX_COLLECTOR_BIN=$PWD/target/debug/voix-collector VOIX_ROOT=$PWD node --test tests/e2e/outbox.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startCollector,
  startStaticServer,
  startFaultProxy,
  fault,
  launchBrowser,
  consoleErrors,
} from './harness.mjs';

/** Answers (one widget each) per scenario. */
const N = 50;
const FORM_ID = 'outbox';
const STORAGE_KEY = 'voix-outbox';
// Enough proxy ports that all N widgets can have a request in flight at once (a browser opens
// at most 6 connections per host and port); otherwise the queue in the browser, not the widget,
// sets the pace.
const LISTENERS = 10;

const QUEUED_TITLE = 'Réponse en attente d’envoi';
const QUEUED_TEXT = 'Votre réponse sera envoyée dès que possible.';
const THANKS_TITLE = 'Merci\u00a0!';
const THANKS_TEXT = 'Votre réponse a bien été envoyée.';

// The collector's form. The page's inline definition is the same, plus `extra` in scenario 5.
const FORM_TOML = `id = "outbox"
title = "Votre avis"

[[questions]]
id = "note"
type = "smileys"
label = "Comment ça s'est passé ?"
required = true

[[questions]]
id = "commentaire"
type = "text"
label = "Un commentaire ?"
max_length = 200
`;

function definition({ extra }) {
  const questions = [
    { id: 'note', type: 'smileys', label: 'Comment ça s’est passé ?', required: true },
    { id: 'commentaire', type: 'text', label: 'Un commentaire ?', max_length: 200 },
  ];
  if (extra) questions.push({ id: 'extra', type: 'text', label: 'Autre chose ?', max_length: 200 });
  return JSON.stringify({ id: FORM_ID, title: 'Votre avis', questions }, null, 2);
}

// N placeholders sharing one inline definition, spread over the proxy's ports.
function hostPage(endpoints, { extra = false } = {}) {
  const widgets = Array.from(
    { length: N },
    (_, i) =>
      `    <div id="w${i}" data-voix-form="${FORM_ID}" data-definition="def" ` +
      `data-endpoint="${endpoints[i % endpoints.length]}"></div>`,
  ).join('\n');
  return `<!DOCTYPE html>
<html lang="fr">
<head>
  <meta charset="utf-8">
  <title>Outbox — ${N} questionnaires</title>
  <link rel="icon" href="data:,">
</head>
<body>
  <main>
    <h1>${N} questionnaires</h1>
${widgets}
  </main>
  <script type="application/json" id="def">${definition({ extra })}</script>
  <script src="/voix.js" async></script>
</body>
</html>
`;
}

let browser;
let site;

before(async () => {
  browser = await launchBrowser();
  site = await startStaticServer();
});

after(async () => {
  await browser?.close();
  await site?.close();
});

const sleep = (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** A fresh collector (its own database), a proxy in front of it, a host page and a browser context. */
async function setup(t, name, { extra = false, upstreamError } = {}) {
  const collector = await startCollector({
    forms: [{ file: 'outbox.toml', text: FORM_TOML }],
    // Every post comes from 127.0.0.1: the per-visitor limit would refuse most of the 50.
    config: { allowed_origins: [site.url], rate_limit: { per_minute: 0 } },
  });
  const proxy = await startFaultProxy(collector.url, { listeners: LISTENERS, upstreamError });
  const url = site.page(`/${name}.html`, hostPage(proxy.urls, { extra }));
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  t.after(async () => {
    await context.close();
    await proxy.close();
    await collector.stop();
  });
  return { collector, proxy, url, context };
}

/** Opens the host page and waits until all N widgets show their form. */
async function openPage(context, url) {
  const page = await context.newPage();
  const errors = consoleErrors(page);
  await page.goto(url);
  try {
    await page.waitForFunction(
      (n) => {
        const hosts = document.querySelectorAll('[data-voix-form]');
        return hosts.length === n && [...hosts].every((h) => h.shadowRoot?.querySelector('form'));
      },
      N,
      { timeout: 15_000 },
    );
  } catch (e) {
    const ready = await page
      .evaluate(() => [...document.querySelectorAll('[data-voix-form]')].filter((h) => h.shadowRoot?.querySelector('form')).length)
      .catch(() => '?');
    throw new Error(`expected ${N} widgets showing their form, ${ready} did within 15 s; console: ${errors.join(' | ')}`, { cause: e });
  }
  return { page, errors };
}

/**
 * Answers every widget: widget 0 through Playwright (real clicks and typing), the others through
 * DOM events in one go (50 × 3 Playwright actions would take seconds). Widget i gets a smiley,
 * `answer-i` as comment (and `extra-i` in `extra`), then is submitted.
 */
async function answerAll(page, { extra = false } = {}) {
  const w0 = page.locator('#w0');
  await w0.locator('label.smiley').first().click();
  await w0.locator('#v-commentaire').fill('answer-0');
  if (extra) await w0.locator('#v-extra').fill('extra-0');
  await w0.locator('button[type=submit]').click();
  await page.evaluate((extra) => {
    const hosts = [...document.querySelectorAll('[data-voix-form]')];
    hosts.forEach((host, i) => {
      if (i === 0) return;
      const root = host.shadowRoot;
      const type = (selector, text) => {
        const box = root.querySelector(selector);
        box.value = text;
        box.dispatchEvent(new Event('input', { bubbles: true }));
      };
      root.querySelectorAll('label.smiley')[i % 3].click();
      type('#v-commentaire', `answer-${i}`);
      if (extra) type('#v-extra', `extra-${i}`);
      root.querySelector('button[type=submit]').click();
    });
  }, extra);
}

/** What each widget shows, in page order. */
function views(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('[data-voix-form]')].map((host) => {
      const root = host.shadowRoot;
      if (!root) return { view: 'none' };
      const status = root.querySelector('[role=status]')?.textContent ?? null;
      const heading = root.querySelector('#v-thanks')?.textContent ?? null;
      // `.queued` first: the queued view is a `.thanks` too (it turns into the delivered one in place).
      const done = root.querySelector('.queued') ?? root.querySelector('.thanks');
      if (done) {
        return {
          view: done.classList.contains('queued') ? 'queued' : 'thanks',
          heading,
          text: done.querySelector('p')?.textContent ?? null,
          status,
        };
      }
      const form = root.querySelector('form');
      const base = {
        status,
        comment: root.querySelector('#v-commentaire')?.value ?? null,
        editable: !!root.querySelector('#v-commentaire:not([disabled])') &&
          !!root.querySelector('button[type=submit]:not([disabled]):not([aria-disabled=true])'),
      };
      if (root.querySelector('#v-summary')) {
        return { view: 'summary', text: root.querySelector('#v-summary').textContent, ...base };
      }
      const alert = root.querySelector('[role=alert]');
      if (alert) return { view: 'alert', text: alert.textContent, ...base };
      if (form) return { view: 'form', ...base };
      return { view: 'other', html: root.innerHTML.slice(0, 200) };
    }),
  );
}

// How many times each item occurs, as a Map…
const tally2 = (items) => {
  const t = new Map();
  for (const x of items) t.set(x, (t.get(x) ?? 0) + 1);
  return t;
};
// …and as text for messages.
const tally = (items) => JSON.stringify(Object.fromEntries(tally2(items)));

// Whether a widget's view is `want` with its right words.
function viewProblem(v, want) {
  const expected = {
    queued: { heading: QUEUED_TITLE, text: QUEUED_TEXT, status: QUEUED_TEXT },
    thanks: { heading: THANKS_TITLE, text: THANKS_TEXT, status: THANKS_TEXT },
  }[want];
  const wanted = want === 'refused' ? ['summary', 'alert'] : [want];
  if (!wanted.includes(v.view)) return `shows "${v.view}"${v.text ? ` (${JSON.stringify(v.text)})` : ''}`;
  if (expected) {
    for (const [k, text] of Object.entries(expected)) {
      if (v[k] !== text) return `${k} is ${JSON.stringify(v[k])}, expected ${JSON.stringify(text)}`;
    }
  }
  return null;
}

/** Fails unless `found` is empty: "expected <expected>; <n> <what>:" and (the first 10 of) them. */
function assertNone(found, expected, what) {
  if (found.length === 0) return;
  const list = found.slice(0, 10).map((x) => `  ${x}`).join('\n');
  assert.fail(`expected ${expected}; ${found.length} ${what}:\n${list}${found.length > 10 ? '\n  …' : ''}`);
}

/** The localStorage outbox: its entries, `[]` when empty or missing. */
async function readOutbox(page) {
  const raw = await page.evaluate((key) => localStorage.getItem(key), STORAGE_KEY);
  if (raw === null) return [];
  const entries = JSON.parse(raw);
  assert.ok(Array.isArray(entries), `localStorage["${STORAGE_KEY}"] should be a JSON array, it is: ${raw.slice(0, 200)}`);
  return entries;
}

/** A one-line state of the page and the proxy, for failure messages. */
async function snapshot(page, proxy) {
  const v = page && !page.isClosed() ? await views(page).catch(() => []) : [];
  const ob = page && !page.isClosed() ? await readOutbox(page).catch((e) => `unreadable (${e.message})`) : 'page closed';
  const posts = proxy.posts();
  return (
    `widgets: ${tally(v.map((x) => x.view))}; outbox: ${Array.isArray(ob) ? `${ob.length} entries` : ob}; ` +
    `proxy: ${posts.length} POSTs for ${new Set(posts.map((p) => p.id)).size} ids, answered ${tally(posts.map((p) => p.status ?? p.action))}`
  );
}

// [[widget, problem]…] as "widgets 0, 1, 2… (49): problem; widget 7: other problem".
function grouped(problems) {
  const byText = new Map();
  for (const [i, p] of problems) byText.set(p, [...(byText.get(p) ?? []), i]);
  return [...byText]
    .map(([p, is]) => `${is.length === 1 ? 'widget' : 'widgets'} ${is.slice(0, 3).join(', ')}${is.length > 3 ? `… (${is.length})` : ''}: ${p}`)
    .join('; ');
}

/** Polls `check` (true when done) every 250 ms; fails after `ms` saying what was awaited and the state. */
async function waitUntil(what, ms, check, page, proxy) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) {
      assert.fail(`expected ${what} within ${seconds(ms)}; seen: ${await snapshot(page, proxy)}`);
    }
    await sleep(250);
  }
}

/**
 * Waits until every widget shows `want` ('queued', 'thanks' or 'refused') with its right words.
 * With `via`, also asserts that each widget was seen showing `via` (e.g. 'queued') on the way;
 * the page is polled every 250 ms, so `via` must last longer than that.
 */
async function waitForViews(page, proxy, want, ms, { via } = {}) {
  let last = [];
  const seenVia = new Set();
  const deadline = Date.now() + ms;
  for (;;) {
    const now = await views(page);
    if (via) now.forEach((v, i) => viewProblem(v, via) === null && seenVia.add(i));
    last = now.map((v, i) => [i, viewProblem(v, want)]).filter(([, p]) => p);
    // A refusal shown to the resident is final: no point waiting for "queued" or "Merci !".
    const refused = want === 'refused' ? [] : now.map((v, i) => [i, v]).filter(([, v]) => ['alert', 'summary'].includes(v.view));
    if (refused.length > 0) {
      const sample = grouped(refused.map(([i, v]) => [i, viewProblem(v, want)]));
      assert.fail(
        `expected all ${N} widgets to show the ${want} view; ${refused.length} show an error instead ` +
          `(${sample}); ${await snapshot(page, proxy)}`,
      );
    }
    if (last.length === 0) {
      if (via) {
        const never = now.map((_, i) => i).filter((i) => !seenVia.has(i));
        assertNone(never.map((i) => `widget ${i}`), `each widget to show the ${via} view before the ${want} one`, 'never did');
      }
      return;
    }
    if (Date.now() > deadline) {
      assert.fail(
        `expected all ${N} widgets to show the ${want} view within ${seconds(ms)}; ` +
          `${last.length} do not (${grouped(last)}); ${await snapshot(page, proxy)}`,
      );
    }
    await sleep(250);
  }
}

async function waitForEmptyOutbox(page, proxy, ms) {
  await waitUntil('the outbox in localStorage to be empty', ms, async () => (await readOutbox(page)).length === 0, page, proxy);
}

// answer text → ids, from the POST bodies the proxy saw and from outbox entries.
function addSubmitted(submitted, id, answers) {
  if (typeof id !== 'string' || !answers) return;
  const text = answers.commentaire;
  if (!submitted.has(id)) submitted.set(id, text);
  else assert.equal(submitted.get(id), text, `id ${id} was sent with two different comments`);
}

function submittedFromProxy(proxy, submitted = new Map()) {
  for (const p of proxy.posts()) addSubmitted(submitted, p.id, p.answers);
  return submitted;
}

function submittedFromOutbox(entries, submitted = new Map()) {
  for (const e of entries) {
    const body = typeof e.body === 'string' ? JSON.parse(e.body) : e.body;
    assert.equal(body?.id, e.id, `an outbox entry's id (${e.id}) should be its body's id (${body?.id})`);
    assert.ok(typeof e.url === 'string' && e.url.endsWith(`/v1/forms/${FORM_ID}/responses`), `outbox entry url: ${e.url}`);
    addSubmitted(submitted, e.id, body.answers);
  }
  return submitted;
}

/** The browser generated one well-formed id per answer, answer-0 … answer-(N-1). */
function assertSubmitted(submitted) {
  const badIds = [...submitted.keys()].filter((id) => !/^[0-9a-f]{32}$/.test(id));
  assertNone(badIds, 'every submission id to be 32 lowercase hex digits', 'are not');
  const byText = new Map();
  for (const [id, text] of submitted) byText.set(text, [...(byText.get(text) ?? []), id]);
  const missing = [];
  for (let i = 0; i < N; i++) if (!byText.has(`answer-${i}`)) missing.push(`answer-${i}`);
  assertNone(missing, `an id for each of the ${N} answers`, 'were never seen in a POST or in the outbox');
  const reIded = [...byText].filter(([, ids]) => ids.length > 1).map(([text, ids]) => `${text}: ${ids.join(', ')}`);
  assertNone(reIded, 'each answer to keep one idempotency id', 'were sent under several ids');
  assert.equal(submitted.size, N, `expected ${N} ids, saw ${submitted.size}`);
}

/**
 * Compares what the collector stored with what the browser submitted, prints the counts and
 * asserts 0 lost and 0 duplicated.
 */
async function assertStoredOnce(scenario, collector, submitted) {
  const rows = await collector.export(FORM_ID);
  const rowsById = new Map();
  for (const r of rows) rowsById.set(r.submission_id, [...(rowsById.get(r.submission_id) ?? []), r]);
  const lostIds = [...submitted].filter(([id]) => !rowsById.has(id)).map(([id, text]) => `${id} (${text})`);
  const dupIds = [...rowsById].filter(([, rs]) => rs.length > 1).map(([id, rs]) => `${id} ×${rs.length}`);
  const unknown = rows.filter((r) => !submitted.has(r.submission_id)).map((r) => `${r.submission_id}: ${JSON.stringify(r.answers)}`);
  const byText = new Map();
  for (const r of rows) byText.set(r.answers.commentaire, (byText.get(r.answers.commentaire) ?? 0) + 1);
  const texts = Array.from({ length: N }, (_, i) => `answer-${i}`);
  const lostTexts = texts.filter((t) => !byText.has(t));
  const dupTexts = texts.filter((t) => byText.get(t) > 1).map((t) => `${t} ×${byText.get(t)}`);
  const stored = texts.length - lostTexts.length;
  const duplicated = rows.length - new Set(rows.map((r) => r.answers.commentaire)).size;
  console.log(
    `outbox scenario ${scenario}: ${submitted.size} submitted, ${stored} stored, ` +
      `${lostTexts.length} lost, ${duplicated} duplicated`,
  );
  assertNone(lostIds, 'every submitted id in the database', 'lost (not stored)');
  assertNone(dupIds, 'each id stored once', 'duplicated');
  assertNone(unknown, 'no stored row with an id the browser never sent', 'such rows');
  assertNone(lostTexts, 'every answer in the database', 'lost (not stored)');
  assertNone(dupTexts, 'each answer stored once', 'duplicated');
  assert.equal(rows.length, N, `expected ${N} rows, found ${rows.length}`);
  for (const r of rows) assert.ok(['bad', 'average', 'good'].includes(r.answers.note), `row ${r.submission_id}: note ${r.answers.note}`);
}

function assertNoUncaught(errors) {
  const uncaught = errors.filter((e) => e.startsWith('uncaught:'));
  assertNone(uncaught, 'no uncaught exception or unhandled rejection in the page', 'seen');
}

test('outbox 1: the collector is down when 50 answers are sent and back 30 s later: each arrives once', { timeout: 150_000 }, async (t) => {
  // A dead collector without a proxy in front: the browser gets no HTTP answer at all.
  const { collector, proxy, url, context } = await setup(t, 'scenario-1', { upstreamError: 'reset' });
  await collector.halt();
  const { page, errors } = await openPage(context, url);
  const sentAt = Date.now();
  await answerAll(page);
  await waitForViews(page, proxy, 'queued', 15_000);
  const outbox = await readOutbox(page);
  assert.equal(outbox.length, N, `expected the ${N} answers in the outbox while the collector is down, found ${outbox.length}`);
  const submitted = submittedFromProxy(proxy, submittedFromOutbox(outbox));
  assertSubmitted(submitted);

  await sleep(30_000 - (Date.now() - sentAt));
  const during = proxy.posts();
  const perId = [...tally2(during.map((p) => p.id)).values()];
  console.log(
    `outbox scenario 1: ${during.length} POSTs during the ${seconds(Date.now() - sentAt)} outage ` +
      `(${Math.min(...perId)}–${Math.max(...perId)} per answer)`,
  );
  // Backoff doubles from 0.5–1 s: about 6 tries in 30 s (twice that if Chromium resends on a
  // dropped keep-alive connection). Far more means retrying without backing off.
  assert.ok(Math.max(...perId) <= 16, `expected backoff: at most 16 POSTs of one answer in 30 s, saw ${Math.max(...perId)}`);
  assert.equal((await collector.export(FORM_ID)).length, 0, 'nothing can be stored while the collector is down');

  await collector.restart();
  const restartedAt = Date.now();
  // The page stays open: the pending retries deliver everything (the next one is at most ~33 s
  // away with the backoff capped at 60 s) and each widget turns from "queued" to "Merci !".
  await waitForViews(page, proxy, 'thanks', 90_000);
  await waitForEmptyOutbox(page, proxy, 5_000);
  console.log(`outbox scenario 1: all delivered ${seconds(Date.now() - restartedAt)} after the restart`);
  submittedFromProxy(proxy, submitted);
  assertSubmitted(submitted);
  await assertStoredOnce(1, collector, submitted);
  assert.deepEqual(await readOutbox(page), [], 'the outbox should be empty at the end');
  assertNoUncaught(errors);
});

test('outbox 2: the page is closed while 50 slow posts are in flight; reopening it delivers each once', { timeout: 60_000 }, async (t) => {
  const { collector, proxy, url, context } = await setup(t, 'scenario-2');
  const DELAY_MS = 3_000;
  proxy.setRule(() => fault.delay(DELAY_MS));
  const first = await openPage(context, url);
  await answerAll(first.page);
  // Close while every answer is in flight (at most DELAY_MS - 500 ms after the submits, so none
  // is answered yet).
  const submittedAt = Date.now();
  while (new Set(proxy.posts().map((p) => p.id)).size < N && Date.now() - submittedAt < DELAY_MS - 500) {
    await sleep(50);
  }
  const outbox = await readOutbox(first.page);
  assert.equal(outbox.length, N, `every answer should be in the outbox before its POST is answered; found ${outbox.length} entries`);
  const submitted = submittedFromProxy(proxy, submittedFromOutbox(outbox));
  assertSubmitted(submitted);
  const inFlight = proxy.posts().filter((p) => !p.delivered).length;
  assert.ok(inFlight > 0, `expected POSTs still in flight when the page closes, all ${proxy.posts().length} were answered already`);
  await first.page.close();
  const closedAt = Date.now();
  console.log(`outbox scenario 2: page closed with ${inFlight} POSTs in flight (${N} answers in the outbox)`);

  const second = await openPage(context, url);
  await waitForEmptyOutbox(second.page, proxy, 30_000);
  console.log(`outbox scenario 2: outbox empty ${seconds(Date.now() - closedAt)} after the page closed`);
  await proxy.idle();
  submittedFromProxy(proxy, submitted);
  assertSubmitted(submitted);
  await assertStoredOnce(2, collector, submitted);
  // Repeats are expected (the first page never heard back); the collector must have accepted them all.
  const refused = proxy.posts().filter((p) => p.upstreamStatus === null || p.upstreamStatus >= 300);
  assertNone(refused.map((p) => `${p.id}: ${p.upstreamStatus ?? p.error}`), 'every POST to reach the collector and be accepted', 'not accepted');
  assertNoUncaught([...first.errors, ...second.errors]);
});

test('outbox 3: 503 then 429 with Retry-After, then accepted: each arrives once, Retry-After honoured', { timeout: 60_000 }, async (t) => {
  const { collector, proxy, url, context } = await setup(t, 'scenario-3');
  proxy.setRule((req, info) => {
    if (req.method !== 'POST' || info.id === null) return fault.forward();
    if (info.attempt === 1) return fault.reply(503, { 'Retry-After': '1' });
    if (info.attempt === 2) return fault.reply(429, { 'Retry-After': '2' });
    return fault.forward();
  });
  const { page, errors } = await openPage(context, url);
  await answerAll(page);
  // Queued for at least 3 s (Retry-After 1 + 2), then "Merci !".
  await waitForViews(page, proxy, 'thanks', 30_000, { via: 'queued' });
  await waitForEmptyOutbox(page, proxy, 5_000);
  await proxy.idle();
  const submitted = submittedFromProxy(proxy);
  assertSubmitted(submitted);
  await assertStoredOnce(3, collector, submitted);

  // Timing measured at the proxy: from when it answered attempt k to the arrival of attempt k+1.
  const TOLERANCE_MS = 20; // clock and timer granularity
  const problems = [];
  let extra = 0;
  for (const id of submitted.keys()) {
    const posts = proxy.posts(id);
    if (posts.length < 3) {
      problems.push(`${id}: ${posts.length} POSTs, expected 3`);
      continue;
    }
    const [a, b, c, ...more] = posts;
    if (b.time - a.doneAt < 1000 - TOLERANCE_MS) problems.push(`${id}: 2nd POST ${b.time - a.doneAt} ms after the 503 (Retry-After: 1)`);
    if (c.time - b.doneAt < 2000 - TOLERANCE_MS) problems.push(`${id}: 3rd POST ${c.time - b.doneAt} ms after the 429 (Retry-After: 2)`);
    if (c.action !== 'forward' || !(c.upstreamStatus >= 200 && c.upstreamStatus < 300)) {
      problems.push(`${id}: 3rd POST ${c.action}, collector answered ${c.upstreamStatus}`);
    }
    // A repeat is harmless (the collector stores an id once) only once the answer is accepted.
    for (const m of more) {
      extra += 1;
      if (!(m.upstreamStatus >= 200 && m.upstreamStatus < 300)) problems.push(`${id}: extra POST #${m.attempt} answered ${m.status ?? m.error}`);
    }
  }
  const total = proxy.posts().length;
  console.log(`outbox scenario 3: ${total} POSTs for ${submitted.size} answers (${extra} beyond the 3 needed)`);
  assertNone(problems, 'for every answer: 503, ≥ 1 s, 429, ≥ 2 s, then accepted, and no repeat that was not accepted', 'problems');
  assert.deepEqual(await readOutbox(page), [], 'the outbox should be empty at the end');
  assertNoUncaught(errors);
});

test('outbox 4: 50 answers sent offline wait in the outbox and leave when the browser is back online', { timeout: 60_000 }, async (t) => {
  const { collector, proxy, url, context } = await setup(t, 'scenario-4');
  const { page, errors } = await openPage(context, url);
  await context.setOffline(true);
  assert.equal(await page.evaluate(() => navigator.onLine), false, 'navigator.onLine should be false');
  await answerAll(page);
  await waitForViews(page, proxy, 'queued', 10_000);
  await sleep(1_000);
  assert.equal(proxy.posts().length, 0, `no POST may reach the network while offline, the proxy saw ${proxy.posts().length}`);
  const outbox = await readOutbox(page);
  assert.equal(outbox.length, N, `expected the ${N} answers in the outbox while offline, found ${outbox.length}`);
  const submitted = submittedFromOutbox(outbox);
  assertSubmitted(submitted);

  await context.setOffline(false);
  const onlineAt = Date.now();
  await waitForViews(page, proxy, 'thanks', 20_000);
  await waitForEmptyOutbox(page, proxy, 5_000);
  console.log(`outbox scenario 4: all delivered ${seconds(Date.now() - onlineAt)} after going online`);
  await proxy.idle();
  submittedFromProxy(proxy, submitted);
  assertSubmitted(submitted);
  await assertStoredOnce(4, collector, submitted);
  assertNoUncaught(errors);
});

test('outbox 5: a 422 refusal is final: each widget says so, the outbox empties, nothing is retried', { timeout: 60_000 }, async (t) => {
  // The page's definition has a question the collector's form does not: 422 unknown_question.
  const { collector, proxy, url, context } = await setup(t, 'scenario-5', { extra: true });
  const { page, errors } = await openPage(context, url);
  await answerAll(page, { extra: true });
  await waitForViews(page, proxy, 'refused', 10_000);
  await waitForEmptyOutbox(page, proxy, 5_000);
  const shown = await views(page);
  const notEditable = shown.map((v, i) => [i, v]).filter(([i, v]) => !v.editable || v.comment !== `answer-${i}`);
  assertNone(
    notEditable.map(([i, v]) => `widget ${i}: editable ${v.editable}, comment ${JSON.stringify(v.comment)}`),
    'every form to stay editable with its answers kept after the refusal', 'are not',
  );
  await proxy.idle();
  const submitted = submittedFromProxy(proxy);
  assertSubmitted(submitted);
  const countPosts = () => {
    const problems = [];
    for (const id of submitted.keys()) {
      const posts = proxy.posts(id);
      if (posts.length !== 1) problems.push(`${id}: ${posts.length} POSTs`);
      for (const p of posts) {
        if (p.upstreamStatus !== 422 || !/unknown_question/.test(p.upstreamBody ?? '')) {
          problems.push(`${id}: collector answered ${p.upstreamStatus} ${p.upstreamBody ?? p.error}`);
        }
      }
    }
    return problems;
  };
  assertNone(countPosts(), 'exactly one POST per answer, refused with 422 unknown_question', 'problems');
  await sleep(3_000);
  assertNone(countPosts(), 'a refused answer never to be retried (checked 3 s later)', 'problems');
  assert.equal(proxy.posts().length, N, `expected ${N} POSTs in all, saw ${proxy.posts().length}`);
  assert.deepEqual(await readOutbox(page), [], 'the outbox should be empty at the end');
  const rows = await collector.export(FORM_ID);
  const kinds = tally(shown.map((v) => v.view));
  const refusedShown = shown.filter((v) => v.view === 'summary' || v.view === 'alert').length;
  // Lost here: neither stored nor shown to the resident as refused.
  const lost = Math.max(0, N - refusedShown - rows.length);
  const duplicated = rows.length - new Set(rows.map((r) => r.submission_id)).size;
  console.log(
    `outbox scenario 5: ${submitted.size} submitted, ${rows.length} stored, ${refusedShown} refused (422) and shown ` +
      `${kinds}, ${lost} lost, ${duplicated} duplicated, ${proxy.posts().length - submitted.size} retried`,
  );
  assert.equal(rows.length, 0, `nothing may be stored, found ${rows.length} rows`);
  assertNoUncaught(errors);
});
