// Accessibility checks axe-core does not make, in a real Chromium on the demo page:
// - RGAA 10.7 / WCAG 1.4.11: every focusable part of the widget shows a focus indicator (an
//   outline at least 2 px wide) whose colour contrasts ≥ 3:1 with the widget's background, in
//   the light and the dark colour scheme;
// - WCAG 1.4.12 text spacing: with the spacing a resident's style sheet may impose, nothing is
//   cut off and nothing scrolls sideways;
// - `prefers-reduced-motion: reduce` turns the widget's transitions off.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCollector, launchBrowser, revealWidgets } from './harness.mjs';

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

async function open(options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  const page = await context.newPage();
  await page.goto(collector.url + '/mairie.html');
  await revealWidgets(page);
  return { page, context };
}

// Runs in the page: the relative luminance contrast of two computed `rgb(…)` colours.
function contrastInPage() {
  window.__contrast = (a, b) => {
    const lum = (c) => {
      const [r, g, b2] = c.match(/[\d.]+/g).slice(0, 3).map(Number).map((v) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b2;
    };
    const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
}

for (const scheme of ['light', 'dark']) {
  test(`focus indicators are visible and contrast ≥ 3:1 with the widget (${scheme})`, async () => {
    const { page, context } = await open({ colorScheme: scheme });
    await page.evaluate(contrastInPage);
    // Submit once empty, so the error summary's links are focusable too.
    await page.locator(`${W} button[type=submit]`).click();
    await page.locator(`${W} #v-summary`).waitFor();
    // Tab through the whole widget from its first focusable element; for each, measure the
    // indicator on the element that draws it (a smiley's label for its hidden radio).
    await page.locator(`${W} #v-summary-title`).focus().catch(() => {});
    const seen = [];
    for (let i = 0; i < 30; i++) {
      await page.keyboard.press('Tab');
      const info = await page.evaluate(() => {
        const host = document.querySelector('[data-voix-form]');
        const el = host.shadowRoot.activeElement;
        if (!el) return null;
        const drawn = el.closest('.smiley') ?? el;
        const cs = getComputedStyle(drawn);
        const bg = getComputedStyle(host.shadowRoot.querySelector('.voix')).backgroundColor;
        return {
          what: `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}`,
          style: cs.outlineStyle,
          width: parseFloat(cs.outlineWidth),
          contrast: window.__contrast(cs.outlineColor, bg),
        };
      });
      if (!info) break;
      if (seen.some((s) => s.what === info.what)) continue;
      seen.push(info);
    }
    const kinds = new Set(seen.map((s) => s.what.replace(/#.*/, '')));
    assert.ok(kinds.has('a') && kinds.has('input') && kinds.has('textarea') && kinds.has('button'),
      `summary links, smileys, the text box and the button were reached: ${[...kinds]}`);
    const bad = seen.filter((s) => s.style === 'none' || s.width < 2 || s.contrast < 3);
    assert.deepEqual(bad, [], JSON.stringify(seen, null, 1));
    console.log(`focus (${scheme}): ${seen.length} elements, lowest contrast ${Math.min(...seen.map((s) => s.contrast)).toFixed(2)}:1`);
    await context.close();
  });
}

test('text spacing (WCAG 1.4.12): nothing cut off, nothing scrolls sideways', async () => {
  const { page, context } = await open({ viewport: { width: 320, height: 800 } });
  // What a resident's own style sheet may impose, applied inside the shadow root too.
  await page.evaluate(() => {
    const css = `* { line-height: 1.5 !important; letter-spacing: 0.12em !important;
      word-spacing: 0.16em !important; } p { margin-bottom: 2em !important; }`;
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
    const root = document.querySelector('[data-voix-form]').shadowRoot;
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
  });
  await page.locator(`${W} button[type=submit]`).click();
  await page.locator(`${W} #v-summary`).waitFor();
  const problems = await page.evaluate(() => {
    const out = [];
    const doc = document.documentElement;
    if (doc.scrollWidth > doc.clientWidth) out.push(`page scrolls sideways: ${doc.scrollWidth} > ${doc.clientWidth}`);
    const root = document.querySelector('[data-voix-form]').shadowRoot;
    for (const el of root.querySelectorAll('h2, h3, p, legend, label, li, a, button, span')) {
      // Text cut off: content wider or taller than its box while overflow hides it.
      const cs = getComputedStyle(el);
      const clips = cs.overflow !== 'visible' && !el.classList.contains('sr-only');
      if (clips && (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1)) {
        out.push(`${el.tagName.toLowerCase()}.${el.className} is cut off`);
      }
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.right > doc.clientWidth + 1) out.push(`${el.tagName.toLowerCase()} overflows to ${r.right}`);
    }
    return out;
  });
  assert.deepEqual(problems, []);
  await context.close();
});

test('prefers-reduced-motion: reduce turns the transitions off', async () => {
  const durations = {};
  for (const reducedMotion of ['no-preference', 'reduce']) {
    const { page, context } = await open({ reducedMotion });
    durations[reducedMotion] = await page.evaluate(() => {
      const root = document.querySelector('[data-voix-form]').shadowRoot;
      return ['.smiley', '.smiley + .smiley'].map((s) => getComputedStyle(root.querySelector(s)).transitionDuration);
    });
    await context.close();
  }
  assert.ok(durations['no-preference'].every((d) => d !== '0s'), JSON.stringify(durations));
  assert.deepEqual(durations.reduce, ['0s', '0s']);
});
