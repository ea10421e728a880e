// The dialog a form opens in (`Voix.open`, `data-voix-open`, the floating button, the
// automatic `data-modal`). `cargo xtask dist` bundles it into the glue module
// (dist/voix-widget.js), beside what wasm-bindgen generates: it is fetched with the widget, when a
// form is first opened, and host pages that never open one do not pay for it.
//
// A native <dialog> in the shadow root of an element appended to <body>, shown with showModal():
// top layer (above any z-index of the page), the rest of the page inert (focus stays inside),
// Escape closes it, focus returns to what opened it. Named by the form's title (voix:ready), with
// a "Fermer" button first. It never closes by itself (RGAA 13.1), and a form keeps its answers
// between openings. Each close dispatches `voix:close` { form, reason, answered } from the form's
// element (bubbling, composed).

import { adopt } from "./sheet.js";
import { NO_JS } from "./words.js";

const d = document;

// "Close" and "loading" in the widget's languages (the no-JS link is in words.js).
const WORDS = {
  fr: ["Fermer", "Chargement…"],
  en: ["Close", "Loading…"],
  de: ["Schließen", "Wird geladen…"],
  es: ["Cerrar", "Cargando…"],
  it: ["Chiudi", "Caricamento…"],
  nl: ["Sluiten", "Laden…"],
  ar: ["إغلاق", "جارٍ التحميل…"],
};

// The host element gets `all: initial`, so nothing the page's body passes down (font, colour,
// letter-spacing…) reaches in; the page themes the dialog with the widget's public custom
// properties, which inherit through the shadow boundary. The form inside draws itself. No
// animation (nothing to turn off for prefers-reduced-motion); in forced-colours mode the system
// draws the border and drops the shadow.
const CSS =
  ":host{all:initial}" +
  // The theme's colours (data-theme: light, dark, auto as the device), under the public
  // custom properties the form uses too.
  "dialog{--b:#fff;--f:#1b1f24;--a:#1f4e79;--l:#8a8f98;color-scheme:light}" +
  "dialog[data-theme=dark]{--b:#1b1f24;--f:#e8eaed;--a:#8cc4f5;--l:#8a929c;color-scheme:dark}" +
  "@media(prefers-color-scheme:dark){dialog[data-theme=auto]{--b:#1b1f24;--f:#e8eaed;--a:#8cc4f5;--l:#8a929c;color-scheme:dark}}" +
  "dialog{box-sizing:border-box;width:min(40em,calc(100% - 1em));max-width:none;max-height:calc(100% - 1em);" +
  "padding:0;border:1px solid var(--voix-border,var(--l));border-radius:var(--voix-radius,.5em);" +
  "background:var(--voix-bg,var(--b));color:var(--voix-fg,var(--f));" +
  "font:var(--voix-font-size,medium)/1.5 var(--voix-font,system-ui,sans-serif);box-shadow:0 .5em 2em #0006}" +
  "::backdrop{background:#0009}" +
  "button{float:inline-end;min-height:44px;margin:.75em .75em .25em;padding:.5em 1em;" +
  "border:2px solid var(--voix-accent,var(--a));border-radius:var(--voix-radius,.5em);background:none;" +
  "color:var(--voix-accent,var(--a));font:600 .9375em/1.25 var(--voix-font,system-ui,sans-serif);cursor:pointer}" +
  "button:focus-visible{outline:3px solid var(--voix-focus,var(--voix-accent,var(--a)));outline-offset:2px}" +
  "p{margin:0;padding:1.25em}a{color:inherit}";

/**
 * The dialogs of the page, for the glue module `glue` (its `mount` and `unmount`).
 * `open(id, options, how)`: `how.opener` gets focus back, `how.started` is the promise of the
 * started wasm, `how.base` the collector (for the no-JS link), `how.nonce` the CSP nonce for the
 * `<style>` fallback, `how.lang` the language of the dialog's own words, `how.theme` its
 * colours (`light`, `dark`, `auto`, as the form's).
 */
export function dialogs(glue) {
  const all = new Map(); // form id → its dialog
  let current; // the open one

  function make(id, options, how) {
    const outer = d.createElement("div");
    const root = outer.attachShadow({ mode: "open" });
    const dialog = d.createElement("dialog");
    const x = d.createElement("button");
    const host = d.createElement("div");
    const wait = d.createElement("p");
    const times = d.createElement("span");
    const lang = how.lang;
    const w = WORDS[lang];
    const r = { id, dialog, host, outer, answered: false };
    adopt(root, CSS, how.nonce);
    dialog.lang = lang;
    if (lang == "ar") dialog.dir = "rtl";
    if (how.theme) dialog.setAttribute("data-theme", how.theme);
    // Named by the form's title once it is known (voix:ready); until then by what opened it.
    dialog.setAttribute("aria-label", how.label || w[0]);
    x.type = "button";
    times.setAttribute("aria-hidden", "true");
    times.textContent = "× ";
    x.append(times, w[0]);
    host.setAttribute("data-voix-modal", "");
    wait.setAttribute("role", "status");
    wait.textContent = w[1];
    dialog.append(x, host, wait);
    root.append(dialog);
    // A call replayed before the page's <body> was parsed: the dialog is in the top layer
    // wherever its host is.
    (d.body || d.documentElement).append(outer);
    x.addEventListener("click", () => close("button"));
    dialog.addEventListener("cancel", () => (r.reason = "escape"));
    dialog.addEventListener("close", () => closed(r));
    host.addEventListener("voix:ready", (e) => {
      dialog.setAttribute("aria-label", e.detail.title);
      wait.remove();
    });
    // Before the form is shown, an error means it cannot be: the page that needs no script.
    const failed = () => {
      if (!wait.isConnected || !how.base) return;
      const a = d.createElement("a");
      a.href = how.base + "/f/" + id;
      a.textContent = NO_JS[lang];
      wait.replaceChildren(a);
    };
    host.addEventListener("voix:error", failed);
    host.addEventListener("voix:success", () => (r.answered = true));
    how.started.then(() => glue.mount(host, options), failed);
    r.started = how.started;
    all.set(id, r);
    return r;
  }

  function open(id, options, how) {
    const r = all.get(id) || make(id, options, how);
    if (current != r) close("api");
    r.opener = how.opener;
    if (!r.dialog.open) r.dialog.showModal();
    current = r;
  }

  function close(reason) {
    if (current) {
      current.reason = reason;
      current.dialog.close();
    }
  }

  function closed(r) {
    if (current == r) current = null;
    const detail = { form: r.id, reason: r.reason || "escape", answered: r.answered };
    r.reason = "";
    r.host.dispatchEvent(new CustomEvent("voix:close", { bubbles: true, composed: true, detail }));
    if (r.opener && r.opener.isConnected) r.opener.focus();
  }

  function destroy() {
    close("api");
    all.forEach((r) => {
      r.started.then(() => glue.unmount(r.host), () => {});
      r.outer.remove();
    });
    all.clear();
  }

  return { open, close, destroy };
}
