// End-to-end test harness: a real collector process on a random port, a real Chromium, axe-core.
//
// Run through `cargo xtask test` (which builds dist/ and the collector first), or by hand:
//   VOIX_COLLECTOR_BIN=$PWD/target/debug/voix-collector VOIX_ROOT=$PWD node --test tests/e2e/
//
// Tests always run against the optimised dist/: a broken wasm-opt output still validates.

import { spawn, execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

const execFileP = promisify(execFile);
const HERE = path.dirname(fileURLToPath(import.meta.url));

/** The repository root (`VOIX_ROOT`, else two levels above this file). */
export const ROOT = path.resolve(process.env.VOIX_ROOT ?? path.join(HERE, '..', '..'));

/** The collector executable (`VOIX_COLLECTOR_BIN`, else target/debug/voix-collector). */
export const COLLECTOR_BIN = path.resolve(
  process.env.VOIX_COLLECTOR_BIN ?? path.join(ROOT, 'target', 'debug', 'voix-collector'),
);

export const CHROMIUM = '/usr/bin/chromium';
const START_TIMEOUT_MS = 20_000;

/**
 * Starts `voix-collector serve` on 127.0.0.1 with a random port and a database in a fresh temp
 * directory.
 *
 * @param {object} [options]
 * @param {Array<{file: string, text: string}>} [options.forms] form files (`.toml` or `.json`)
 *   written into the temp dir; by default the demo's forms from `<VOIX_ROOT>/www/forms/`.
 * @param {object} [options.config] extra or overriding top-level keys of voix.toml
 *   (e.g. `{ allowed_origins: ['http://127.0.0.1:9'], max_body_bytes: 512 }`); a key set to
 *   `null` is left out of the file.
 * @returns {Promise<{url: string, configPath: string, tmpDir: string,
 *   stop: () => Promise<void>, export: (formId: string) => Promise<any[]>}>}
 */
export async function startCollector({ forms, config } = {}) {
  if (!existsSync(COLLECTOR_BIN)) {
    throw new Error(
      `collector binary not found at ${COLLECTOR_BIN}; run \`cargo build -p voix-collector\` ` +
        'or set VOIX_COLLECTOR_BIN',
    );
  }
  const tmpDir = await mkdtemp(path.join(tmpdir(), 'voix-e2e-'));
  let formPaths;
  if (forms === undefined) {
    const dir = path.join(ROOT, 'www', 'forms');
    formPaths = (await readdir(dir))
      .filter((f) => f.endsWith('.toml') || f.endsWith('.json'))
      .sort()
      .map((f) => path.join(dir, f));
  } else {
    await mkdir(path.join(tmpDir, 'forms'));
    formPaths = [];
    for (const { file, text } of forms) {
      const p = path.join(tmpDir, 'forms', path.basename(file));
      await writeFile(p, text);
      formPaths.push(p);
    }
  }
  const settings = {
    listen: '127.0.0.1:0',
    database: path.join(tmpDir, 'voix.db'),
    static_dir: path.join(ROOT, 'www'),
    dist_dir: path.join(ROOT, 'dist'),
    forms: formPaths,
    ...config,
  };
  const configPath = path.join(tmpDir, 'voix.toml');
  await writeFile(configPath, toToml(settings));

  const child = spawn(
    COLLECTOR_BIN,
    ['serve', '--config', configPath, '--listen', '127.0.0.1:0'],
    { cwd: tmpDir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => {
    stderr += d;
  });
  // 'close', not 'exit': it comes after stdout/stderr are drained, so error reports are complete.
  const exited = new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));

  const url = await new Promise((resolve, reject) => {
    let settled = false;
    const fail = (why) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      rm(tmpDir, { recursive: true, force: true }).catch(() => {});
      reject(
        new Error(
          `voix-collector did not start: ${why}\n` +
            `command: ${COLLECTOR_BIN} serve --config ${configPath} --listen 127.0.0.1:0\n` +
            `config:\n${toToml(settings)}stdout:\n${stdout}\nstderr:\n${stderr}`,
        ),
      );
    };
    const timer = setTimeout(
      () => fail(`no "listening on http://…" line within ${START_TIMEOUT_MS / 1000} s`),
      START_TIMEOUT_MS,
    );
    child.stdout.setEncoding('utf8').on('data', (d) => {
      stdout += d;
      const m = /listening on (http:\/\/\S+)/.exec(stdout);
      if (m && !settled) {
        settled = true;
        clearTimeout(timer);
        resolve(m[1].replace(/\/$/, ''));
      }
    });
    child.once('error', (e) => fail(`spawn error: ${e.message}`));
    exited.then(({ code, signal }) => fail(`it exited early (code ${code}, signal ${signal})`));
  });

  let stopped = false;
  return {
    url,
    configPath,
    tmpDir,
    /** Stops the collector (SIGTERM, then SIGKILL after 5 s) and removes the temp dir. */
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(kill);
      }
      await rm(tmpDir, { recursive: true, force: true });
    },
    /** `voix-collector export --format json` for one form: the parsed array of responses. */
    async export(formId) {
      const { stdout: out } = await execFileP(
        COLLECTOR_BIN,
        ['export', '--config', configPath, '--form', formId, '--format', 'json'],
        { cwd: tmpDir, maxBuffer: 64 * 1024 * 1024 },
      );
      return JSON.parse(out);
    },
  };
}

/** Headless Chromium from Debian (`apt-get install chromium`); Playwright's downloads are not used. */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/**
 * Runs axe-core (WCAG 2.0/2.1 A and AA rules) on the page, inside open shadow roots too.
 *
 * @param {import('playwright-core').Page} page
 * @param {any} [context] an axe context (selector, node or include/exclude object); whole page by default
 * @returns {Promise<any[]>} the violations
 */
export async function axeCheck(page, context) {
  const loaded = await page.evaluate(() => typeof window.axe === 'object');
  if (!loaded) {
    await page.addScriptTag({ path: path.join(ROOT, 'node_modules', 'axe-core', 'axe.min.js') });
  }
  return page.evaluate(async (ctx) => {
    const options = { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } };
    const results = await window.axe.run(ctx ?? document, options);
    return results.violations;
  }, context ?? null);
}

/** A readable one-line-per-node rendering of axe violations, for assertion messages. */
export function formatViolations(violations) {
  return violations
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help}\n` +
        v.nodes.map((n) => `    ${JSON.stringify(n.target)} ${n.failureSummary ?? ''}`).join('\n'),
    )
    .join('\n');
}

/**
 * Starts collecting `console.error` messages (their text as logged, e.g. `[voix] …`) and uncaught
 * page errors, including unhandled promise rejections (as `uncaught: <message>`). The returned
 * array fills as they happen.
 *
 * @param {import('playwright-core').Page} page
 * @returns {string[]}
 */
export function consoleErrors(page) {
  const errors = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(`uncaught: ${err.message}`));
  return errors;
}

// A TOML writer for the flat config above: strings, numbers, booleans and arrays of those.
function toToml(obj) {
  const value = (v) => {
    if (typeof v === 'string') return JSON.stringify(v);
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    if (Array.isArray(v)) return `[${v.map(value).join(', ')}]`;
    throw new Error(`toToml: unsupported value ${JSON.stringify(v)}`);
  };
  return Object.entries(obj)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => `${k} = ${value(v)}\n`)
    .join('');
}
