// Helpers of the embedding tests (embed, triggers, teardown): pages served from memory on the
// collector's origin, and where focus really is. Not a test file itself.
import { consoleErrors } from './harness.mjs';

/**
 * Opens `html` (a page served at `{collector}/embed/<name>.html` by a route, so the script's
 * origin is the collector's) or a real page of `www/` when `html` starts with `/`.
 *
 * @returns {Promise<{page: import('playwright-core').Page, context: any, errors: string[]}>}
 */
export async function openPage(browser, collector, html, { context: options = {}, init, before } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  const page = await context.newPage();
  const errors = consoleErrors(page);
  if (init) await page.addInitScript(init);
  if (before) await before(page);
  let url = collector.url + html;
  if (!html.startsWith('/')) {
    url = `${collector.url}/embed/page-${++pages}.html`;
    await page.route(url, (route) => route.fulfill({ contentType: 'text/html; charset=utf-8', body: html }));
  }
  await page.goto(url);
  return { page, context, errors };
}

let pages = 0;

/** A small French host page with `body` and the script tag `script` (attributes of voix.js). */
export const hostPage = (body, script = '') => `<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>Page hôte</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body { font: 16px/1.5 system-ui, sans-serif; margin: 1rem auto; max-width: 40rem; }</style>
</head><body><main><h1>Page hôte</h1>${body}</main>
<script src="/voix.js" ${script} async></script></body></html>`;

/** The element that really has focus, looking through shadow roots, and where it lives. */
export const deepFocus = (page) =>
  page.evaluate(() => {
    let a = document.activeElement;
    const hosts = [];
    while (a && a.shadowRoot && a.shadowRoot.activeElement) {
      hosts.push(a);
      a = a.shadowRoot.activeElement;
    }
    if (!a || a === document.body) return null;
    return {
      tag: a.tagName.toLowerCase(),
      id: a.id,
      text: a.textContent.trim(),
      inDialog: !!a.closest('dialog') || hosts.some((h) => h.closest('dialog')),
      inButtonHost: hosts.some((h) => h.shadowRoot.querySelector('button[aria-haspopup]')),
    };
  });

/** The floating button (Playwright's CSS locators pierce open shadow roots). */
export const fab = (page) => page.locator('button[aria-haspopup=dialog]');

/** The open dialog, and the form inside it. */
export const openDialog = (page) => page.locator('dialog[open]');
export const dialogForm = (page) => page.locator('dialog[open] [data-voix-modal] form');

/** Records every voix:* event reaching `document`, with its detail, from the page's start. */
export function recordEvents() {
  window.__voixEvents = [];
  for (const type of ['voix:ready', 'voix:submit', 'voix:success', 'voix:error', 'voix:close']) {
    document.addEventListener(type, (e) =>
      window.__voixEvents.push({ type, detail: e.detail, target: e.target?.tagName?.toLowerCase() ?? null }),
    );
  }
}

export const events = (page) => page.evaluate(() => window.__voixEvents);
