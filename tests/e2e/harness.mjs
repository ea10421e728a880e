// End-to-end test harness: a real collector process on a random port, a real Chromium, axe-core.
// For fault tests: a collector that can be halted and restarted on the same port, a host site on
// its own origin (`startStaticServer`) and a programmable reverse proxy (`startFaultProxy`).
//
// Run through `cargo xtask test` (which builds dist/ and the collector first), or by hand:
//   VOIX_COLLECTOR_BIN=$PWD/target/debug/voix-collector VOIX_ROOT=$PWD node --test tests/e2e/
//
// Tests always run against the optimised dist/: a broken wasm-opt output still validates.

import { spawn, execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
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

let manifest;
/**
 * The name in dist/ of a file the loader fetches, by its stable name (`voix_bg.wasm` →
 * `voix_bg.0a1b2c3d4e.wasm`): `cargo xtask dist` gives them content-hashed names and lists them
 * in `dist/manifest.json`.
 *
 * @param {string} name `voix-widget.js`, `voix_bg.wasm` or `voix-strings-<lang>.json`
 * @returns {string}
 */
export function shipped(name) {
  manifest ??= JSON.parse(readFileSync(path.join(ROOT, 'dist', 'manifest.json'), 'utf8'));
  if (!manifest[name]) throw new Error(`${name} is not in dist/manifest.json`);
  return manifest[name];
}
const START_TIMEOUT_MS = 20_000;

/**
 * Starts `voix-collector serve` on 127.0.0.1 with a random port (or `port`) and a database in a
 * fresh temp directory.
 *
 * The same collector can be halted and started again on the same port with the same database
 * (`halt()` then `restart()`), to play an outage; `stop()` ends it for good and removes the temp
 * directory.
 *
 * @param {object} [options]
 * @param {Array<{file: string, text: string}>} [options.forms] form files (`.toml` or `.json`)
 *   written into the temp dir; by default the demo's forms from `<VOIX_ROOT>/www/forms/`.
 * @param {object} [options.config] extra or overriding top-level keys of voix.toml
 *   (e.g. `{ allowed_origins: ['http://127.0.0.1:9'], max_body_bytes: 512,
 *   rate_limit: { per_minute: 0 } }`; an object becomes an inline table); a key set to `null` is
 *   left out of the file.
 * @param {number} [options.port] the port to listen on; 0 (the default) picks a free one.
 * @returns {Promise<{url: string, port: number, configPath: string, tmpDir: string,
 *   readonly running: boolean,
 *   halt: () => Promise<void>, restart: () => Promise<void>,
 *   stop: () => Promise<void>, export: (formId: string) => Promise<any[]>}>}
 */
export async function startCollector({ forms, config, port = 0 } = {}) {
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

  let proc;
  try {
    proc = await spawnCollector(configPath, `127.0.0.1:${port}`, tmpDir, settings);
  } catch (e) {
    await rm(tmpDir, { recursive: true, force: true }).catch(() => {});
    throw e;
  }
  const url = proc.url;
  const boundPort = Number(new URL(url).port);
  let stopped = false;

  const halt = async () => {
    const { child, exited } = proc;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(kill);
    }
  };

  return {
    url,
    port: boundPort,
    configPath,
    tmpDir,
    /** Whether the collector process is running (started and not halted or stopped). */
    get running() {
      return !stopped && proc.child.exitCode === null && proc.child.signalCode === null;
    },
    /**
     * Stops the collector (SIGTERM, then SIGKILL after 5 s) but keeps its temp dir, database
     * included, for `restart()`. Does nothing when it is not running.
     */
    halt,
    /**
     * Starts the collector again (halting it first if needed) with the same configuration and
     * database, on the same port: `url` stays valid. Retries for a few seconds while the port
     * is still taken.
     */
    async restart() {
      if (stopped) throw new Error('restart(): the collector was stopped (its temp dir is gone)');
      await halt();
      const deadline = Date.now() + 5_000;
      for (;;) {
        try {
          proc = await spawnCollector(configPath, `127.0.0.1:${boundPort}`, tmpDir, settings);
          break;
        } catch (e) {
          if (Date.now() > deadline || !/cannot listen/.test(e.message)) throw e;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      if (proc.url !== url) {
        await halt();
        throw new Error(`restart(): expected the collector on ${url}, it reported ${proc.url}`);
      }
    },
    /** Stops the collector (SIGTERM, then SIGKILL after 5 s) and removes the temp dir. */
    async stop() {
      if (stopped) return;
      stopped = true;
      await halt();
      await rm(tmpDir, { recursive: true, force: true });
    },
    /**
     * `voix-collector export --format json` for one form: the parsed array of responses. Reads
     * the database directly, so it works while the collector is halted too.
     */
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

// Spawns `voix-collector serve` and resolves once it prints its "listening on" line; on failure
// it kills the process and rejects with everything it printed.
async function spawnCollector(configPath, listen, cwd, settings) {
  const child = spawn(COLLECTOR_BIN, ['serve', '--config', configPath, '--listen', listen], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
      reject(
        new Error(
          `voix-collector did not start: ${why}\n` +
            `command: ${COLLECTOR_BIN} serve --config ${configPath} --listen ${listen}\n` +
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
  return { child, exited, url };
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

const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
};

// Listens on 127.0.0.1 with a free port; resolves with the server's base URL.
function listenLocal(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve(`http://127.0.0.1:${server.address().port}`);
    });
  });
}

// Closes a node:http server, idle and busy connections included.
function closeServer(server) {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/**
 * A host site independent of the collector: a node:http server on 127.0.0.1 (random port) serving
 * the widget from `<VOIX_ROOT>/dist` (`/voix.js`, the hashed `/voix_bg.….wasm` as `application/wasm`) and pages
 * registered in memory. Its origin differs from the collector's, so posts are cross-origin, and
 * its pages stay reachable while the collector is down. Nothing is cached (`no-store`).
 *
 * @param {object} [options]
 * @param {string} [options.dir] the directory served after the registered pages (default `<ROOT>/dist`)
 * @returns {Promise<{url: string, page: (path: string, html: string) => string,
 *   requests: Array<{time: number, method: string, path: string, status: number}>,
 *   close: () => Promise<void>}>} `url` is also the site's origin; `page(path, html)` registers
 *   (or replaces) a page and returns its absolute URL.
 */
export async function startStaticServer({ dir = path.join(ROOT, 'dist') } = {}) {
  const pages = new Map();
  const requests = [];
  const server = http.createServer(async (req, res) => {
    const pathname = new URL(req.url, 'http://x').pathname;
    const entry = { time: Date.now(), method: req.method, path: pathname, status: 0 };
    requests.push(entry);
    const send = (status, type, body) => {
      entry.status = status;
      res.writeHead(status, {
        'Content-Type': type,
        'Content-Length': Buffer.byteLength(body),
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(405, 'text/plain; charset=utf-8', 'method not allowed\n');
      return;
    }
    if (pages.has(pathname)) {
      send(200, CONTENT_TYPES['.html'], pages.get(pathname));
      return;
    }
    let file;
    try {
      file = path.join(dir, path.normalize(decodeURIComponent(pathname)));
    } catch {
      send(400, 'text/plain; charset=utf-8', 'bad path\n');
      return;
    }
    const type = CONTENT_TYPES[path.extname(file)];
    if (!file.startsWith(dir + path.sep) || !type) {
      send(404, 'text/plain; charset=utf-8', 'not found\n');
      return;
    }
    try {
      send(200, type, await readFile(file));
    } catch {
      send(404, 'text/plain; charset=utf-8', 'not found\n');
    }
  });
  const url = await listenLocal(server);
  return {
    url,
    requests,
    page(pagePath, html) {
      if (!pagePath.startsWith('/')) throw new Error(`page(): the path must start with /: ${pagePath}`);
      pages.set(pagePath, html);
      return url + pagePath;
    },
    close: () => closeServer(server),
  };
}

/**
 * What the fault proxy does with one request; build them with these helpers and return one from
 * the rule given to `startFaultProxy(...).setRule`.
 */
export const fault = {
  /** Pass the request to the collector and its answer back, headers untouched. */
  forward: () => ({ action: 'forward', delayMs: 0 }),
  /**
   * Pass the request to the collector at once, but hold its answer for `ms` before sending it
   * back. The collector gets (and stores) the request even if the browser has gone meanwhile.
   */
  delay: (ms) => ({ action: 'forward', delayMs: ms }),
  /**
   * Answer without asking the collector. CORS headers are added (`Access-Control-Allow-Origin`
   * echoing the request's Origin, `Access-Control-Expose-Headers: Retry-After`); `body` defaults to
   * the collector's error shape `{"error":{"code":…,"message":…,"field":null}}`.
   *
   * @param {number} status
   * @param {Record<string, string>} [headers] e.g. `{ 'Retry-After': '2' }`
   * @param {string | object} [body] a string as is, an object as JSON
   */
  reply: (status, headers = {}, body) => ({ action: 'reply', status, headers, body }),
  /** Drop the connection without answering: the browser sees a network error. */
  reset: () => ({ action: 'reset' }),
};

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
]);

const REPLY_CODES = { 408: 'timeout', 429: 'rate_limited', 502: 'bad_gateway', 503: 'unavailable', 504: 'timeout' };

/**
 * One request seen by the fault proxy. Fields filled later (`status`, `upstreamStatus`,
 * `delivered`, `clientGone`, `error`, `doneAt`) change in place while it is handled.
 *
 * @typedef {object} ProxyLogEntry
 * @property {number} seq order of arrival, from 0
 * @property {number} time when the request (headers and body) had fully arrived, ms since the epoch
 * @property {string} method
 * @property {string} path the path, query string included
 * @property {number} listener which of the proxy's listeners (index into `urls`) received it
 * @property {string|null} origin the Origin header
 * @property {string} body the request body as text
 * @property {string|null} id the submission id: the `id` of a JSON POST body
 * @property {Record<string,string>|null} answers the `answers` of a JSON POST body
 * @property {number} attempt for a POST with an id: 1 for the first POST of that id, 2 for the next…
 * @property {'forward'|'reply'|'reset'|null} action what the rule decided
 * @property {number} delayMs the delay applied to the answer (forward only)
 * @property {number|null} upstreamStatus the collector's status (forward only)
 * @property {string|null} upstreamBody the collector's answer body, as text (forward only)
 * @property {number|null} status the status the proxy answered (or would have, had the client
 *   stayed); null for a reset or before it is known
 * @property {boolean} delivered whether the answer was written to the client
 * @property {boolean} clientGone whether the client disconnected before the answer was written
 * @property {string|null} error what went wrong (upstream unreachable, rule threw, client aborted…)
 * @property {number|null} doneAt when handling ended, ms since the epoch
 */

/**
 * A programmable reverse proxy (node:http) in front of the collector, to inject faults: delays,
 * errors, dropped connections. Every request is recorded in `log` (see {@link ProxyLogEntry}).
 * The rule decides per request; by default everything is forwarded.
 *
 * When the collector cannot be reached, the proxy answers 502 with CORS headers (as a reverse
 * proxy in front of a dead collector would), or drops the connection with
 * `upstreamError: 'reset'` (as a dead collector without proxy would).
 *
 * `listeners` > 1 opens several ports sharing the log and the rule: a browser opens at most 6
 * connections per host and port, so spreading 50 widgets over several ports lets them all have
 * a request in flight at once.
 *
 * @param {string} targetUrl the collector's base URL, e.g. `collector.url`
 * @param {object} [options]
 * @param {'reply'|'reset'} [options.upstreamError] what the browser gets when the collector is down
 * @param {number} [options.listeners] how many ports to listen on (default 1)
 * @returns {Promise<{url: string, urls: string[], log: ProxyLogEntry[],
 *   setRule: (rule: ((req: import('node:http').IncomingMessage, info: ProxyLogEntry) =>
 *     any) | null) => void,
 *   posts: (id?: string) => ProxyLogEntry[], idle: () => Promise<void>, close: () => Promise<void>}>}
 *   `setRule(rule)`: `rule(req, info)` returns (or resolves to) one of the {@link fault}
 *   actions (`undefined` = forward; `null` restores forwarding everything); `info` is the log
 *   entry so far. `posts(id)`: the POSTs with a submission id (of that id), in arrival order.
 *   `idle()`: resolves when no request is being handled. `close()`: stops listening, drops
 *   connections and pending delays.
 */
export async function startFaultProxy(targetUrl, { upstreamError = 'reply', listeners = 1 } = {}) {
  const target = new URL(targetUrl);
  /** @type {ProxyLogEntry[]} */
  const log = [];
  const attempts = new Map();
  let rule = null;
  const pending = new Set();
  let closed = false;
  // Pending delays, cut short by close().
  const delays = new Map();

  const sleep = (ms) =>
    new Promise((resolve) => {
      if (ms <= 0 || closed) return resolve();
      const t = setTimeout(() => {
        delays.delete(t);
        resolve();
      }, ms);
      delays.set(t, resolve);
    });

  const corsHeaders = (origin) =>
    origin
      ? {
          'Access-Control-Allow-Origin': origin,
          'Access-Control-Expose-Headers': 'Retry-After',
          Vary: 'Origin',
        }
      : {};

  async function handle(req, res, listener) {
    const entry = {
      seq: log.length,
      time: Date.now(),
      method: req.method,
      path: req.url,
      listener,
      origin: req.headers.origin ?? null,
      body: '',
      id: null,
      answers: null,
      attempt: 0,
      action: null,
      delayMs: 0,
      upstreamStatus: null,
      upstreamBody: null,
      status: null,
      delivered: false,
      clientGone: false,
      error: null,
      doneAt: null,
    };
    log.push(entry);
    try {
      await serve(req, res, entry);
    } catch (e) {
      entry.error = `fault proxy bug: ${e?.stack ?? e}`;
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end(entry.error);
      }
    } finally {
      entry.doneAt = Date.now();
    }
  }

  async function serve(req, res, entry) {
    res.on('close', () => {
      if (!res.writableFinished && !entry.delivered && entry.action !== 'reset') entry.clientGone = true;
    });

    const chunks = [];
    const complete = await new Promise((resolve) => {
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => resolve(true));
      req.on('error', () => resolve(false));
      req.on('aborted', () => resolve(false));
    });
    if (!complete) {
      entry.error = 'the client went away before its body was complete';
      entry.clientGone = true;
      return;
    }
    const body = Buffer.concat(chunks);
    entry.time = Date.now();
    entry.body = body.toString('utf8');
    if (req.method === 'POST') {
      try {
        const json = JSON.parse(entry.body);
        if (json && typeof json.id === 'string') entry.id = json.id;
        if (json && typeof json.answers === 'object') entry.answers = json.answers;
      } catch {
        // Not JSON: recorded as is, with no id.
      }
      if (entry.id !== null) {
        entry.attempt = (attempts.get(entry.id) ?? 0) + 1;
        attempts.set(entry.id, entry.attempt);
      }
    }

    let action;
    try {
      action = rule ? await rule(req, entry) : undefined;
    } catch (e) {
      entry.error = `the rule threw: ${e?.stack ?? e}`;
      action = fault.reply(500, {}, { error: { code: 'fault_proxy', message: entry.error, field: null } });
    }
    if (action === undefined || action === 'forward') action = fault.forward();
    if (action === 'reset') action = fault.reset();

    const replyWith = (status, headers, replyBody) => {
      const text =
        replyBody === undefined
          ? JSON.stringify({
              error: {
                code: REPLY_CODES[status] ?? 'fault_proxy',
                message: `answered by the fault proxy (${status})`,
                field: null,
              },
            })
          : typeof replyBody === 'string' || Buffer.isBuffer(replyBody)
            ? replyBody
            : JSON.stringify(replyBody);
      entry.status = status;
      if (res.destroyed) return;
      res.writeHead(status, {
        'Content-Type': 'application/json',
        'Cache-Control': 'no-store',
        ...corsHeaders(entry.origin),
        ...headers,
        'Content-Length': Buffer.byteLength(text),
      });
      res.end(text);
      entry.delivered = true;
    };

    switch (action.action) {
      case 'reset':
        entry.action = 'reset';
        req.socket.destroy();
        return;
      case 'reply':
        entry.action = 'reply';
        replyWith(action.status, action.headers ?? {}, action.body);
        return;
      case 'forward':
        break;
      default:
        throw new Error(`fault proxy: unknown action ${JSON.stringify(action)}`);
    }

    entry.action = 'forward';
    entry.delayMs = action.delayMs ?? 0;
    const headers = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (!HOP_BY_HOP.has(k)) headers[k] = v;
    }
    headers.host = target.host;
    headers['content-length'] = String(body.length);
    let upstream;
    try {
      upstream = await new Promise((resolve, reject) => {
        const up = http.request(
          {
            host: target.hostname,
            port: target.port,
            method: req.method,
            path: req.url,
            headers,
            // A fresh connection each time: a pooled one may be dead after a collector restart.
            agent: false,
          },
          (upRes) => {
            const parts = [];
            upRes.on('data', (c) => parts.push(c));
            upRes.on('end', () => resolve({ status: upRes.statusCode, headers: upRes.headers, body: Buffer.concat(parts) }));
            upRes.on('error', reject);
          },
        );
        up.on('error', reject);
        up.end(body);
      });
    } catch (e) {
      entry.error = `collector unreachable: ${e.code ?? e.message}`;
      if (upstreamError === 'reset') {
        entry.action = 'reset';
        req.socket.destroy();
      } else {
        replyWith(502, {}, undefined);
      }
      return;
    }
    entry.upstreamStatus = upstream.status;
    entry.upstreamBody = upstream.body.toString('utf8');
    entry.status = upstream.status;
    await sleep(entry.delayMs);
    if (res.destroyed || closed) {
      entry.clientGone = true;
      return;
    }
    const out = {};
    for (const [k, v] of Object.entries(upstream.headers)) {
      if (!HOP_BY_HOP.has(k)) out[k] = v;
    }
    out['content-length'] = String(upstream.body.length);
    res.writeHead(upstream.status, out);
    res.end(upstream.body);
    entry.delivered = true;
  }

  const servers = [];
  const urls = [];
  for (let i = 0; i < listeners; i++) {
    const server = http.createServer((req, res) => {
      const p = handle(req, res, i).finally(() => pending.delete(p));
      pending.add(p);
    });
    // The browser's idle keep-alive connections must not hold `close()` up.
    server.keepAliveTimeout = 2_000;
    servers.push(server);
    urls.push(await listenLocal(server));
  }

  return {
    url: urls[0],
    urls,
    log,
    setRule(fn) {
      rule = fn;
    },
    posts(id) {
      return log.filter((e) => e.method === 'POST' && e.id !== null && (id === undefined || e.id === id));
    },
    async idle() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    async close() {
      closed = true;
      for (const [t, resolve] of delays) {
        clearTimeout(t);
        resolve();
      }
      delays.clear();
      await Promise.all(servers.map(closeServer));
      await Promise.allSettled([...pending]);
    },
  };
}

// A TOML writer for the flat config above: strings, numbers, booleans, arrays of those, and
// plain objects as inline tables (`rate_limit = { per_minute = 0 }`).
function toToml(obj) {
  const key = (k) => (/^[A-Za-z0-9_-]+$/.test(k) ? k : JSON.stringify(k));
  const value = (v) => {
    if (typeof v === 'string') return JSON.stringify(v);
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    if (Array.isArray(v)) return `[${v.map(value).join(', ')}]`;
    if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
      const entries = Object.entries(v).filter(([, x]) => x !== undefined && x !== null);
      return `{ ${entries.map(([k, x]) => `${key(k)} = ${value(x)}`).join(', ')} }`;
    }
    throw new Error(`toToml: unsupported value ${JSON.stringify(v)}`);
  };
  return Object.entries(obj)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => `${key(k)} = ${value(v)}\n`)
    .join('');
}

/**
 * Scrolls each placeholder on the page into view, as a resident reading down the page would,
 * and waits until every one shows its widget: the loader only fetches the widget when a
 * placeholder comes within about a screen of the viewport.
 *
 * @param {import('playwright-core').Page} page
 * @param {string} [selector] the placeholders (default `[data-voix-form]`)
 */
export async function revealWidgets(page, selector = '[data-voix-form]') {
  for (const placeholder of await page.locator(selector).all()) {
    await placeholder.scrollIntoViewIfNeeded();
  }
  await page.waitForFunction(
    (s) =>
      [...document.querySelectorAll(s)].every((p) =>
        p.shadowRoot?.querySelector('form, .thanks, .poll-state'),
      ),
    selector,
  );
}
