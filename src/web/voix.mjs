// dist/npm/voix.mjs — the widget as an ES module, for sites built with a bundler
// (`import { mount } from "voix"`). The same core as the script loader (core.js): the JS API,
// without the page scanning, the floating button and the triggers, which are the script tag's.
// The glue module (with the dialog) and the wasm sit beside this file; a bundler finds them
// through `import("./voix-widget.js")` and `new URL("./voix_bg.wasm", import.meta.url)` and copies
// them, and they are fetched only when a form is first mounted or opened. There is no script URL
// to default to: give `endpoint` in the options. Declarations: voix.d.ts.
import { core, VERSION } from "./core.js";

const v = core({
  glue: () => import("./voix-widget.js"),
  init: (m) =>
    m.default({ module_or_path: new URL("./voix_bg.wasm", import.meta.url) }).then(() => {
      // The locale packs, beside this file: written out so that a bundler copies them too.
      m.start(undefined, {
        de: new URL("./voix-strings-de.json", import.meta.url).href,
        es: new URL("./voix-strings-es.json", import.meta.url).href,
        it: new URL("./voix-strings-it.json", import.meta.url).href,
        nl: new URL("./voix-strings-nl.json", import.meta.url).href,
        ar: new URL("./voix-strings-ar.json", import.meta.url).href,
      });
      return m;
    }),
});

export const version = VERSION;
export const { mount, unmount, open, close, destroy, check } = v.api;
