// The glue module's entry (dist/voix-widget.<hash>.js, bundled by `cargo xtask dist`):
// everything wasm-bindgen's glue exports, and the page's dialogs bound to its `mount` and
// `unmount`.
import { mount, unmount } from "./voix-widget.src.js";
import { dialogs } from "./dialog.js";
export * from "./voix-widget.src.js";
export { default } from "./voix-widget.src.js";
export const dialog = dialogs({ mount, unmount });
// The first Intl object of a page costs 15-40 ms (ICU's data), the next ones almost nothing:
// made while the wasm is still on its way, a poll's dates and results do not pay it on screen.
(self.requestIdleCallback || setTimeout)(() => new Intl.DateTimeFormat());
