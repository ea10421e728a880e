// dist/voix.js — the only file every visit of a host page downloads (budget: size-budget.toml,
// `loader_brotli_bytes`). It finds the placeholders and fetches the widget (its JS glue and
// wasm, in parallel) only when one comes within about a screen of the viewport, or when an
// answer from an earlier page is still waiting in the outbox. Nothing is added to the page but
// `window.Voix`. `cargo xtask dist` fills in the version and file names and minifies it.
(function () {
  "use strict";
  var d = document;
  var w = window;
  // Included twice: the first copy does the work.
  if (w.Voix) return;
  var script = d.currentScript || d.querySelector('script[src$="voix.js"]');
  var here = script ? script.src : d.baseURI;
  var SELECTOR = "[data-voix-form]";
  var widget; // the promise of the started wasm module, once asked for
  var seen = new WeakSet(); // placeholders handed to the widget
  var observer;

  w.Voix = { version: "__VOIX_VERSION__" };

  function attr(el, name) {
    return el.getAttribute(name) || (script && script.getAttribute(name));
  }

  // The widget, fetched once: the glue module and the wasm download side by side, and the
  // wasm compiles while it streams.
  function load() {
    if (!widget) {
      var wasm = fetch(new URL("__VOIX_WASM__", here));
      widget = import(new URL("__VOIX_GLUE__", here).href).then(function (m) {
        return m.default({ module_or_path: wasm }).then(function () {
          m.start(script);
          return m;
        });
      });
      widget.catch(fallback);
    }
    return widget;
  }

  function mount(el) {
    if (seen.has(el)) return;
    seen.add(el);
    if (observer) observer.unobserve(el);
    load().then(function (m) {
      m.mount(el);
    }, function () {});
  }

  // When the wasm cannot start (a CSP without 'wasm-unsafe-eval', a blocked download): one
  // message, and each placeholder links to the collector's page of the same form, which needs
  // no script.
  function fallback(e) {
    console.error("[voix] the form could not start (WebAssembly unavailable or blocked): " + e);
    d.querySelectorAll(SELECTOR).forEach(function (p) {
      var id = p.getAttribute("data-voix-form") || attr(p, "data-form");
      var base = attr(p, "data-endpoint") || (script && new URL(script.src).origin);
      if (!id || !base || p.shadowRoot || p.querySelector("a[data-voix-fallback]")) return;
      var a = d.createElement("a");
      a.setAttribute("data-voix-fallback", "");
      a.href = base.replace(/\/$/, "") + "/f/" + encodeURIComponent(id);
      a.textContent = "Répondre au questionnaire (version sans JavaScript)";
      p.appendChild(a);
    });
  }

  function scan() {
    var found = d.querySelectorAll(SELECTOR);
    if (!found.length) {
      if (script && script.getAttribute("data-form")) {
        var id = script.getAttribute("data-form");
        console.error(
          '[voix] no placeholder for form "' + id + '": add <div data-voix-form="' + id +
            '"></div> where the form should appear',
        );
      }
      return;
    }
    if (!observer && w.IntersectionObserver) {
      // About one screen above and below the viewport: the form is ready when it scrolls in.
      observer = new IntersectionObserver(
        function (entries) {
          entries.forEach(function (e) {
            if (e.isIntersecting) mount(e.target);
          });
        },
        { rootMargin: "100% 0px" },
      );
    }
    found.forEach(function (el) {
      if (observer) observer.observe(el);
      else mount(el);
    });
  }

  // Answers an earlier page could not deliver go now, whether or not a form is in view.
  try {
    if (w.localStorage.getItem("voix-outbox")) load();
  } catch (e) {
    // Storage refused: nothing can be waiting in it.
  }
  if (d.readyState === "loading") d.addEventListener("DOMContentLoaded", scan);
  else scan();
})();
