// What the script loader (loader.js → dist/voix.js) and the ES module (voix.mjs →
// dist/npm/voix.mjs) share: the widget fetched once, the elements handed to it, and the JS API.
// Bundled into each by `cargo xtask dist` (esbuild); never shipped alone.
//
// The wasm renders a form into an element it is given and dispatches voix:ready, voix:submit,
// voix:success and voix:error on it. The dialog (dialog.js) comes with the glue module, so it is
// fetched with the widget, when a form is first opened: `open` asks for both and shows the dialog
// as soon as the glue is here, while the wasm may still be on its way.

export const VERSION = "__VOIX_VERSION__";

const d = document;

/** A valid form id. */
export const ID = /^[a-z0-9_-]{1,64}$/;

/** The language of the widget's own words, as the wasm picks it (`config::locale`): `lang` if
 * its primary subtag is one of ours, else the page's `<html lang>`, else French. */
export function language(lang) {
  const ours = (tag) => {
    const p = String(tag || "").split(/[-_]/)[0].toLowerCase();
    return /^(fr|en|de|es|it|nl|ar)$/.test(p) && p;
  };
  return ours(lang) || ours(d.documentElement.lang) || "fr";
}

/**
 * The shared machinery. `hooks`: `glue()` imports the glue module (a promise), `init(module)`
 * starts the wasm (a promise of the module), `fail()` is told when it cannot start, `base` is the
 * collector (for the no-JS link), `lang`, `theme` and `nonce` the script's `data-lang`,
 * `data-theme` and `data-nonce`; `prefetch(element, options)`, if given, starts fetching the
 * definition beside the widget and gives a promise of options to add (`definition`, `lang`) or
 * of nothing, when the wasm should fetch it itself.
 */
export function core(hooks) {
  let glue; // the promise of the glue module, once asked for
  let widget; // the promise of the started widget
  let opening; // the last open() waiting for the glue
  const wanted = new Map(); // element → options: what should be mounted
  const mine = new Set(); // elements mounted through the API

  function load() {
    if (!widget) {
      glue = hooks.glue();
      widget = glue.then(hooks.init);
      widget.catch((e) => {
        console.error("[voix] the form could not start (WebAssembly unavailable or blocked): " + e);
        if (hooks.fail) hooks.fail();
      });
    }
    return widget;
  }

  // The definition's request, beside the widget's: a promise of options to add, or of nothing.
  const prefetch = (el, options) => hooks.prefetch && hooks.prefetch(el, options || {});

  // Mounts `el` once the widget (and its definition, when fetched here) is here, unless it was
  // taken back meanwhile.
  function show(el, options) {
    wanted.set(el, options);
    Promise.all([load(), prefetch(el, options)]).then(
      ([m, got]) => wanted.has(el) && wanted.get(el) === options && m.mount(el, got ? Object.assign({}, options, got) : options),
      () => {},
    );
  }

  function hide(el) {
    wanted.delete(el);
    mine.delete(el);
    if (widget) widget.then((m) => wanted.has(el) || m.unmount(el), () => {});
  }

  // The element that has focus, looking through shadow roots (the floating button's).
  function focused() {
    let a = d.activeElement;
    while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
    return a;
  }

  // The dialog lives in the glue module: each call waits for it, in order.
  const dialog = (f) => glue && glue.then((m) => f(m.dialog), () => {});

  /** Opens form `id` in the dialog; focus goes back to `opener` (default: what has focus). */
  function open(id, options, opener) {
    if (!ID.test(id)) {
      return console.error('[voix] Voix.open("' + id + '"): a form id is 1 to 64 characters among a-z 0-9 _ -');
    }
    options = Object.assign({}, options, { form: id });
    const how = {
      opener: opener || focused(),
      // The dialog mounts `options` once this settles: what the prefetch got is in them by then.
      started: Promise.all([load(), prefetch(null, options)]).then(([m, got]) => (Object.assign(options, got), m)),
      base: (options.endpoint || hooks.base || "").replace(/\/$/, ""),
      lang: language(options.lang || hooks.lang),
      theme: options.theme || hooks.theme,
      nonce: hooks.nonce,
    };
    const ticket = (opening = {});
    dialog((m) => ticket == opening && m.open(id, options, how));
  }

  function close() {
    opening = null;
    dialog((m) => m.close("api"));
  }

  const api = {
    version: VERSION,
    mount(element, options) {
      if (!(element instanceof Element)) return console.error("[voix] Voix.mount: the first argument must be an element");
      mine.add(element);
      show(element, options);
    },
    unmount: hide,
    open: (id, options) => open(id, options),
    close,
    /** A promise of what is wrong with a form definition (a message starting with its path),
     * or of `undefined` if the widget would show it: the form builder's check. */
    check: (definition) => load().then((m) => m.check(definition)),
    /** Tears down everything the API mounted or opened. */
    destroy() {
      close();
      mine.forEach(hide);
      dialog((m) => m.destroy());
    },
  };

  return { api, load, show, hide, open };
}
