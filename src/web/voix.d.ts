// Declarations of dist/npm/voix.mjs (the ES module build of the Voix widget). The end-to-end
// test `tests/e2e/embed.test.mjs` imports the module in Chromium and holds every declared
// function and constant to an export of the same kind, and every export to a declaration.

/** Options of `mount` and `open`. Each one wins over the element's `data-*` attribute. */
export interface VoixOptions {
  /** Form id: 1 to 64 characters among a-z 0-9 _ - (for `open`, its first argument). */
  form?: string;
  /**
   * The collector: an absolute http(s) URL, a path prefix kept (`https://avis.example.fr`).
   * Needed with this module, which has no script URL to default to.
   */
  endpoint?: string;
  /** Language of the widget's own words: fr (default), en, de, es, it, nl, ar; `de-CH` counts as de. */
  lang?: string;
  /**
   * The form definition itself, or the id of a `<script type="application/json">` holding it;
   * without it, the definition is fetched from `{endpoint}/v1/forms/{form}`.
   */
  definition?: string | FormDefinition;
}

/** A form definition, as the collector serves it (see the README's "Form definitions"). */
export interface FormDefinition {
  id: string;
  title: string;
  description?: string;
  lang?: string;
  questions: Array<{ id: string; type: string; label: string; [member: string]: unknown }>;
}

/** `detail` of `voix:ready`, `voix:submit`, `voix:success` and `voix:error`. */
export interface VoixEventDetail {
  /** The form id. */
  form: string;
  /** `voix:ready`: the form's title. */
  title?: string;
  /** `voix:submit`, `voix:success`, and `voix:error` after a submit: the answers' random id. */
  submission?: string;
  /** `voix:error`: `network`, `server`, `rate_limited`, `not_found`, `invalid`… */
  code?: string;
}

/** `detail` of `voix:close`, dispatched when the dialog closes. */
export interface VoixCloseDetail {
  form: string;
  /** Escape key, the dialog's close button, or `close()` / `destroy()` / another `open()`. */
  reason: "escape" | "button" | "api";
  /** Whether the form was answered (delivered) while it was open. */
  answered: boolean;
}

declare global {
  interface HTMLElementEventMap {
    "voix:ready": CustomEvent<VoixEventDetail>;
    "voix:submit": CustomEvent<VoixEventDetail>;
    "voix:success": CustomEvent<VoixEventDetail>;
    "voix:error": CustomEvent<VoixEventDetail>;
    "voix:close": CustomEvent<VoixCloseDetail>;
  }
  interface DocumentEventMap {
    "voix:ready": CustomEvent<VoixEventDetail>;
    "voix:submit": CustomEvent<VoixEventDetail>;
    "voix:success": CustomEvent<VoixEventDetail>;
    "voix:error": CustomEvent<VoixEventDetail>;
    "voix:close": CustomEvent<VoixCloseDetail>;
  }
}

/** The widget's version. */
export declare const version: string;

/** Shows a form in `element` (in a shadow root attached to it). */
export declare function mount(element: Element, options?: VoixOptions): void;

/** Tears down the form in `element`: its listeners removed, its shadow root emptied. */
export declare function unmount(element: Element): void;

/** Opens form `formId` in a modal dialog; focus returns to what had it when the dialog closes. */
export declare function open(formId: string, options?: Omit<VoixOptions, "form">): void;

/** Closes the dialog, if one is open. */
export declare function close(): void;

/** Tears down everything `mount` and `open` showed. */
export declare function destroy(): void;

/**
 * Checks a form definition the way `mount` reads a `definition` object, with the same rules as
 * the collector: resolves to `undefined` if it is valid, else to what is wrong, starting with
 * its path ("questions[1].id: question id `avis` is used twice"). Fetches the widget on first use.
 */
export declare function check(definition: FormDefinition): Promise<string | undefined>;
