// dist/voix.js — the only file every visit of a host page downloads (budget: size-budget.toml,
// `loader_brotli_bytes`). It finds where forms go and fetches the widget (its JS glue and wasm,
// in parallel) only when one is about to be seen or opened:
// - placeholders `[data-voix-form]` and `<voix-form>` elements, within about a screen of the
//   viewport (IntersectionObserver), also when added later (MutationObserver); removed ones are
//   torn down;
// - links to the collector's no-JS form pages (`data-upgrade-links` on the script, or
//   `data-voix` on the link) become the form itself, once it is ready;
// - elements with `data-voix-open="form-id"` open the form in a dialog;
// - a floating button (`data-button`) and an automatic dialog (`data-modal`), each shown when
//   its triggers say (seconds, scroll, exit intent, sampling, not again once answered or
//   dismissed): all of that runs here, so a page whose resident never asks downloads no wasm.
// - `window.Voix` (the only global): the JS API, with calls queued before the script loaded
//   replayed in order.
// An answer from an earlier page still in the outbox makes it fetch the widget at once.
// `cargo xtask dist` fills in the version and file names, bundles core.js and minifies it.
import { core, language, ID } from "./core.js";
import { adopt } from "./sheet.js";
import { NO_JS } from "./words.js";

(function () {
  "use strict";
  const d = document;
  const w = window;
  const stub = w.Voix;
  // Included twice: the first copy does the work. A page's queue stub (`{q: []}`) is replaced.
  if (stub && stub.version) return;
  if (stub && !Array.isArray(stub.q)) {
    return console.error("[voix] window.Voix is already used by another script: the forms cannot start");
  }
  const script = d.currentScript || d.querySelector('script[src$="voix.js"]');
  const here = script ? script.src : d.baseURI;
  const option = (name) => script && script.getAttribute(name);
  const origin = new URL(here).origin;
  // The collector, for links to its no-JS pages: `data-endpoint`, else the script's origin.
  const endpoint = (option("data-endpoint") || (origin.startsWith("http") ? origin : "")).replace(/\/$/, "");
  const upgradeAll = option("data-upgrade-links") != null;
  const DONE = "voix-done";

  // Where the widget's files are: content-hashed names (`cargo xtask dist` fills them in), cached
  // for good, beside this script.
  const at = (name) => new URL(name, here).href;
  const PACKS = __VOIX_PACKS__;
  for (const l in PACKS) PACKS[l] = at("voix-strings-" + l + "." + PACKS[l] + ".json");

  let wasm;
  const v = core({
    // The glue module and the wasm download side by side; the wasm compiles while it streams.
    glue() {
      wasm = fetch(at("__VOIX_WASM__"));
      return import(at("__VOIX_GLUE__"));
    },
    init: (m) =>
      m.default({ module_or_path: wasm }).then(() => {
        m.start(script, PACKS);
        return m;
      }),
    prefetch,
    fail: fallback,
    base: endpoint,
    lang: option("data-lang"),
    theme: option("data-theme"),
    nonce: option("data-nonce"),
  });

  // The definition (and a locale pack) on its way at the same time as the widget rather than
  // after it: the URL the wasm would ask for (`Config::definition_url`), worked out from the same
  // options and attributes in the same order. A definition or template given, a form id or
  // endpoint it cannot read: nothing, and the wasm does as it would have (and says what is
  // wrong). What arrives goes to the wasm as the `definition` option, with the language it was
  // asked in, so the two cannot disagree; an error answer is left for the wasm to ask and report.
  const packs = {}; // language → its pack's request, made once per page
  function prefetch(el, o) {
    // A definition given, or an option that is not a string (the wasm refuses it and says so).
    if (o.definition != null || ["form", "endpoint", "lang", "template"].some((k) => o[k] != null && typeof o[k] != "string")) return;
    const first = (...v) => v.map((x) => x && x.trim()).find((x) => x);
    const attr = (name) => el && el.getAttribute(name);
    const pick = (name) => first(o[name], attr("data-" + name), option("data-" + name));
    const id = first(o.form, attr("data-voix-form"), attr("data-form"), option("data-form"));
    const lang = language(pick("lang"));
    const get = (url) => fetch(url, { credentials: "omit" });
    // The pack too, once, so that the wasm's own request for it finds it in the cache.
    if (PACKS[lang]) packs[lang] ||= get(PACKS[lang]).catch(() => {});
    const base = pick("endpoint") || (script && origin);
    // An endpoint the wasm would refuse: it says so, and what came here is not used.
    if (!pick("definition") && !pick("template") && id && ID.test(id) && base) {
      return get(base.replace(/\/+$/, "") + "/v1/forms/" + id + "?lang=" + lang)
        .then((r) => r.ok && r.json())
        .then((definition) => definition && { definition, lang }, () => {});
    }
  }

  // When the wasm cannot start (a CSP without 'wasm-unsafe-eval', a blocked download), each
  // placeholder links to the collector's page of the same form, which needs no script. Upgraded
  // links were never taken away.
  function fallback() {
    broken = true;
    d.querySelectorAll("[data-voix-form],voix-form").forEach(link);
  }
  function link(p) {
    const id = p.getAttribute("data-voix-form") || p.getAttribute("form") || option("data-form");
    const base = p.getAttribute("data-endpoint") || p.getAttribute("endpoint") || endpoint;
    if (!id || !base || p.shadowRoot || p.querySelector("a[data-voix-fallback]")) return;
    const a = d.createElement("a");
    a.setAttribute("data-voix-fallback", "");
    a.href = base.replace(/\/$/, "") + "/f/" + encodeURIComponent(id);
    a.lang = language(p.getAttribute("data-lang") || p.getAttribute("lang") || option("data-lang"));
    a.textContent = NO_JS[a.lang];
    p.appendChild(a);
  }
  // A form asking for a proof of work on a page without Web Crypto (plain http): its page.
  d.addEventListener("voix:error", (e) => e.detail && e.detail.code == "proof_required" && link(e.target));

  // Once the widget has failed, data-voix-open links are left to the browser: they lead to the
  // no-JS page.
  let broken;

  // Elements waiting for, or holding, a form found on the page (not the API's): element → options.
  const found = new Map();
  let near;

  function lazy(el, options) {
    if (found.has(el)) return;
    found.set(el, options);
    if (!near && w.IntersectionObserver) {
      // About one screen above and below the viewport: the form is ready when it scrolls in.
      near = new IntersectionObserver(
        (entries) =>
          entries.forEach((e) => {
            if (e.isIntersecting && found.has(e.target)) {
              near.unobserve(e.target);
              v.show(e.target, found.get(e.target));
            }
          }),
        { rootMargin: "100% 0px" },
      );
    }
    if (near) near.observe(el);
    else v.show(el, options);
  }

  function drop(el) {
    if (found.delete(el)) {
      if (near) near.unobserve(el);
      v.hide(el);
    }
  }

  // A link to `{endpoint}/f/{id}` (its `?lang=` kept) becomes that form: a new element before it
  // takes the form, and the link goes once the form is ready, so a form that cannot show leaves
  // the working link in place.
  function upgrade(a) {
    if (!upgradeAll && !a.hasAttribute("data-voix")) return;
    let u;
    try {
      u = new URL(a.href);
    } catch (e) {
      return;
    }
    const prefix = endpoint + "/f/";
    const page = u.origin + u.pathname;
    const id = page.slice(prefix.length);
    if (!endpoint || !page.startsWith(prefix) || !ID.test(id)) return;
    const host = d.createElement("div");
    host.addEventListener("voix:ready", () => a.remove());
    a.before(host);
    lazy(host, { form: id, endpoint, lang: u.searchParams.get("lang") });
  }

  const SELECTOR = "[data-voix-form]," + (upgradeAll ? "a[href]" : "a[data-voix]");

  function scan(root) {
    const all = [...root.querySelectorAll(SELECTOR)];
    if (root.matches && root.matches(SELECTOR)) all.unshift(root);
    all.forEach((el) => (el.tagName == "A" ? upgrade(el) : lazy(el)));
    return all.length;
  }

  // <voix-form form="…" endpoint="…" lang="…" definition="…">: the element is its own host.
  if (w.customElements && !customElements.get("voix-form")) {
    customElements.define(
      "voix-form",
      class extends HTMLElement {
        connectedCallback() {
          const a = (n) => this.getAttribute(n);
          lazy(this, { form: a("form"), endpoint: a("endpoint"), lang: a("lang"), definition: a("definition") });
        }
        disconnectedCallback() {
          // Moved rather than removed: it is back in the document by then.
          queueMicrotask(() => this.isConnected || drop(this));
        }
      },
    );
  }

  // "Not again once answered or dismissed": `localStorage["voix-done"]` is `{ "<form id>":
  // "answered" | "dismissed" }`, no identifier. Storage refused: as if nothing were stored.
  function done() {
    try {
      return JSON.parse(localStorage.getItem(DONE)) || {};
    } catch (e) {
      return {};
    }
  }

  function remember(id, what) {
    try {
      const all = done();
      if (what == "answered" || !all[id]) all[id] = what;
      localStorage.setItem(DONE, JSON.stringify(all));
    } catch (e) {
      // Refused: nothing remembered.
    }
  }

  // The floating button and the automatic dialog, with their triggers. Any bad attribute: one
  // message, and neither is shown.
  function offer() {
    const button = option("data-button");
    const modal = option("data-modal");
    if (button == null && modal == null) return;
    const id = button || modal || option("data-form");
    const number = (name, max) => {
      const text = option(name);
      if (text == null) return null;
      const n = text.trim() ? +text : NaN;
      if (n >= 0 && n <= max) return n;
      throw name + '="' + text + '": use a number from 0 to ' + max;
    };
    let seconds, scroll, sample;
    try {
      if (!ID.test(id)) throw 'data-button, data-modal: give the form id, as in data-button="satisfaction"';
      seconds = number("data-after-seconds", 86400);
      scroll = number("data-after-scroll", 100);
      sample = number("data-sample", 100);
      if (modal != null && seconds == null && scroll == null && option("data-exit-intent") == null) {
        throw "data-modal needs a trigger: data-after-seconds, data-after-scroll or data-exit-intent";
      }
    } catch (e) {
      return console.error("[voix] " + e);
    }
    // Decided for this page load only; nothing is stored.
    if (sample != null && !(Math.random() * 100 < sample)) return;
    const once = option("data-once") != null;
    if (once) {
      if (done()[id]) return;
      d.addEventListener("voix:success", (e) => e.detail.form == id && remember(id, "answered"));
      d.addEventListener("voix:close", (e) => e.detail.form == id && !e.detail.answered && remember(id, "dismissed"));
    }
    const exit = option("data-exit-intent") != null;
    const undo = [];
    const listen = (target, type, f) => {
      target.addEventListener(type, f, { passive: true });
      undo.push(() => target.removeEventListener(type, f));
    };
    // The first trigger to fire shows what was asked for; the others are removed.
    let fired;
    const fire = () => {
      if (fired) return;
      fired = true;
      undo.forEach((f) => f());
      if (button != null) floating(id);
      if (modal != null) v.open(id);
    };
    if (seconds != null) {
      const t = setTimeout(fire, seconds * 1000);
      undo.push(() => clearTimeout(t));
    }
    // Exit intent, on a desktop only: the pointer leaves the page through its top edge.
    if (exit && matchMedia("(pointer:fine)").matches) {
      listen(d, "mouseout", (e) => !e.relatedTarget && e.clientY <= 0 && fire());
    }
    if (scroll != null) {
      // Scrolled through `scroll` % of what there is to scroll; a page that does not scroll is
      // seen whole — once it has loaded, as images may still make it longer.
      const check = () => {
        const room = d.documentElement.scrollHeight - innerHeight;
        if (room <= 0 || (scrollY / room) * 100 >= scroll) fire();
      };
      listen(w, "scroll", check);
      if (d.readyState == "complete") check();
      else listen(w, "load", check);
    }
    if (seconds == null && scroll == null && !exit) fire();
  }

  // The floating button: in a shadow root of its own (the page's CSS cannot restyle it, ours
  // cannot leak), fixed in a bottom corner, themed by the widget's custom properties.
  function floating(id) {
    const host = d.createElement("div");
    const root = host.attachShadow({ mode: "open" });
    const b = d.createElement("button");
    const css =
      ":host{all:initial}button{position:fixed;z-index:2147483000;bottom:1em;" +
      (option("data-button-position") == "left" ? "left" : "right") +
      ":1em;max-width:calc(100% - 2em);min-height:44px;padding:.5em 1.25em;border:2px solid var(--voix-accent,#1f4e79);" +
      "border-radius:1.5em;background:var(--voix-accent,#1f4e79);color:var(--voix-accent-fg,#fff);" +
      "font:600 var(--voix-font-size,medium)/1.25 var(--voix-font,system-ui,sans-serif);cursor:pointer;" +
      "box-shadow:0 .25em 1em #0006}" +
      // A ring of the background colour between the button and its focus outline, so that the
      // outline shows on any page behind it.
      "button:focus-visible{outline:3px solid var(--voix-focus,var(--voix-accent,#1f4e79));outline-offset:2px;" +
      "box-shadow:0 0 0 2px var(--voix-bg,#fff)}";
    adopt(root, css, option("data-nonce"));
    b.type = "button";
    b.textContent = option("data-button-label") || LABELS[language(option("data-lang"))];
    b.setAttribute("aria-haspopup", "dialog");
    // Pointing at it or tabbing to it is enough to start fetching the form.
    b.addEventListener("pointerenter", v.load);
    b.addEventListener("focus", v.load);
    b.addEventListener("click", () => v.open(id, undefined, b));
    root.append(b);
    d.body.append(host);
  }

  // The button's label unless `data-button-label` says otherwise.
  const LABELS = {
    fr: "Donner mon avis",
    en: "Give feedback",
    de: "Feedback geben",
    es: "Dar mi opinión",
    it: "Dai il tuo parere",
    nl: "Geef uw mening",
    ar: "أبدِ رأيك",
  };

  // Any element with data-voix-open="form-id" opens that form in the dialog. A link keeps
  // working without JavaScript, and with a modifier key (new tab).
  const opener = (e) => e.target.closest && e.target.closest("[data-voix-open]");
  d.addEventListener("click", (e) => {
    const o = opener(e);
    if (!o || broken || e.button || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    v.open(o.getAttribute("data-voix-open"), undefined, o);
  });
  d.addEventListener("focusin", (e) => opener(e) && v.load());
  d.addEventListener("pointerover", (e) => opener(e) && v.load());

  // The JS API, and the calls queued before it existed, in order, now: a call made from here on
  // comes after them.
  w.Voix = v.api;
  if (stub) {
    stub.q.forEach(([name, args]) =>
      v.api[name] ? v.api[name](...args) : console.error("[voix] Voix." + name + " is not a function of the API"),
    );
  }

  function start() {
    if (!scan(d) && option("data-form") && option("data-button") == null && option("data-modal") == null) {
      const id = option("data-form");
      console.error(
        '[voix] no placeholder for form "' + id + '": add <div data-voix-form="' + id + '"></div> where the form should appear',
      );
    }
    // Placeholders and links a script adds later; those it removes are torn down.
    new MutationObserver((records) => {
      records.forEach((r) => r.addedNodes.forEach((n) => n.nodeType == 1 && scan(n)));
      found.forEach((_, el) => el.isConnected || drop(el));
    }).observe(d.documentElement, { childList: true, subtree: true });
    offer();
  }

  // Answers an earlier page could not deliver go now, whether or not a form is in view.
  try {
    if (localStorage.getItem("voix-outbox")) v.load();
  } catch (e) {
    // Storage refused: nothing can be waiting in it.
  }
  if (d.readyState == "loading") d.addEventListener("DOMContentLoaded", start);
  else start();
})();
