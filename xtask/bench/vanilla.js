// The bench's baseline (cargo xtask bench, issue 18): a form written by hand, without framework
// or build step, as a careful developer would for one site. It fetches the same definition from
// the collector (`GET /v1/forms/{id}`) and renders the same fields with their labels: radio groups
// in a fieldset with a legend, checkboxes, text fields, help texts, the required marks, a submit
// button posting the answers. No validation beyond the browser's, no outbox, no styles, no other
// language: the floor the widget is measured against, not a rival.
(() => {
  const base = new URL(document.currentScript.src).origin;
  const SMILEYS = { 3: [["bad", "Pas bien"], ["average", "Moyen"], ["good", "Très bien"]] };
  SMILEYS[5] = [["very_bad", "Très mal"], ["bad", "Pas bien"], ["average", "Moyen"], ["fine", "Bien"], ["good", "Très bien"]];

  // An element with attributes and children (strings become text).
  function h(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const k in attrs || {}) if (attrs[k] != null && attrs[k] !== false) e.setAttribute(k, attrs[k] === true ? "" : attrs[k]);
    e.append(...kids.filter((k) => k != null));
    return e;
  }
  const range = (a, b) => Array.from({ length: b - a + 1 }, (_, i) => String(a + i));

  // The options of a question answered by choosing: [value, label] pairs.
  function options(q) {
    switch (q.type) {
      case "smileys": return SMILEYS[q.count || 3];
      case "stars": return range(1, 5).map((n) => [n, n + (n == 1 ? " étoile" : " étoiles") + " sur 5"]);
      case "scale": return range(q.min ?? 1, q.max ?? 5).map((n) => [n, n]);
      case "nps": return range(0, 10).map((n) => [n, n]);
      case "yes_no": return [["yes", "Oui"], ["no", "Non"]];
      default: return q.choices.map((c) => [c.id, c.label]);
    }
  }

  function question(q) {
    const id = "q-" + q.id;
    const help = q.help || (q.personal_data_warning && "N’indiquez pas de données personnelles (nom, adresse, numéro de téléphone…).");
    const helpP = help && h("p", { id: id + "-help" }, help);
    const mark = q.required ? " (obligatoire)" : "";
    const described = help ? id + "-help" : null;
    if (q.type == "text" || q.type == "email") {
      const attrs = { id, name: q.id, required: !!q.required, "aria-describedby": described };
      const field = q.type == "email"
        ? h("input", { ...attrs, type: "email", autocomplete: "email" })
        : h(q.multiline ? "textarea" : "input", { ...attrs, maxlength: q.max_length || 1000 });
      return h("div", { class: "q" }, h("label", { for: id }, q.label + mark), helpP, field);
    }
    if (q.type == "consent") {
      const box = h("input", { type: "checkbox", id, name: q.id, value: "yes", required: !!q.required, "aria-describedby": described });
      return h("div", { class: "q" }, box, h("label", { for: id }, q.label + mark), helpP);
    }
    const type = q.type == "multiple" ? "checkbox" : "radio";
    const items = options(q).map(([value, label], i) =>
      h("div", null,
        h("input", { type, id: id + "-" + i, name: q.id, value, required: type == "radio" && !!q.required }),
        h("label", { for: id + "-" + i }, label)));
    if (q.other) {
      items.push(h("div", null,
        h("input", { type, id: id + "-other", name: q.id, value: "other" }),
        h("label", { for: id + "-other" }, "Autre"),
        h("input", { id: id + "-other-text", name: q.id + ".other", "aria-label": "Précisez votre réponse « Autre »", hidden: true })));
    }
    const ends = q.type == "nps"
      ? [q.min_label || "Pas du tout probable", q.max_label || "Très probable"]
      : [q.min_label, q.max_label];
    const scale = ends[0] && h("p", null, ends[0] + " — " + ends[1]);
    return h("fieldset", { class: "q", "aria-describedby": described }, h("legend", null, q.label + mark), helpP, scale, ...items);
  }

  async function show(host) {
    const id = host.getAttribute("data-form");
    const def = await (await fetch(base + "/v1/forms/" + encodeURIComponent(id))).json();
    const form = h("form", { novalidate: false },
      h("h2", null, def.title),
      def.description && h("p", null, def.description),
      ...def.questions.map(question),
      h("button", { type: "submit" }, "Envoyer"));
    // "Autre, précisez": its text field shows while "other" is chosen.
    form.addEventListener("change", (e) => {
      const text = form.querySelector("#q-" + e.target.name + "-other-text");
      if (text) text.hidden = !form.querySelector("#q-" + e.target.name + "-other").checked;
    });
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const answers = {};
      for (const [k, v] of new FormData(form)) answers[k] = k in answers ? [].concat(answers[k], v) : v;
      const r = await fetch(base + "/v1/forms/" + encodeURIComponent(id) + "/responses", {
        method: "POST",
        headers: { "content-type": "text/plain" },
        body: JSON.stringify({ answers }),
      });
      form.replaceWith(h("p", { role: "status" }, r.ok ? "Merci !" : "L’envoi a échoué."));
    });
    host.append(form);
  }

  document.querySelectorAll("[data-form]").forEach(show);
})();
