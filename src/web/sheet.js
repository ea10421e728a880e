// Styles for the shadow roots the JS makes (the floating button's, the dialog's). Bundled into
// the loader and into the glue module by `cargo xtask dist`; never shipped alone.

/** Gives `root` the stylesheet `css`: constructable (allowed by any CSP), else a <style> element
 * with the script's `nonce` (browsers without constructable sheets, such as Safari before 16.4). */
export function adopt(root, css, nonce) {
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
  } catch (e) {
    const s = document.createElement("style");
    if (nonce) s.setAttribute("nonce", nonce);
    s.textContent = css;
    root.append(s);
  }
}
