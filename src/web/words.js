// The link to a form's page that works without JavaScript, in the widget's languages: the
// loader's fallback (the wasm could not start) and the dialog (the form could not be shown)
// both say it. Bundled into each by esbuild.
export const NO_JS = {
  fr: "Répondre au questionnaire (version sans JavaScript)",
  en: "Answer the questionnaire (version without JavaScript)",
  de: "Den Fragebogen beantworten (Version ohne JavaScript)",
  es: "Responder al cuestionario (versión sin JavaScript)",
  it: "Rispondi al questionario (versione senza JavaScript)",
  nl: "Vul de vragenlijst in (versie zonder JavaScript)",
  ar: "أجب عن الاستبيان (نسخة بدون JavaScript)",
};
