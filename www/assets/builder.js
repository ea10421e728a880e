// The form builder (www/builder.html): a webmaster makes a form definition without writing it.
// Plain JavaScript, no build step, no dependency. The page's state lives here (and, as a draft,
// in localStorage["brouillon"]); the editor is drawn from it, and every change checks the
// definition with the widget's own reader (Voix.check, the wasm: the same rules as the
// collector) and, when it is valid, shows it with the real widget (Voix.mount) and writes the
// snippets, the collector's TOML file and the JSON.
(function () {
  "use strict";

  const d = document;
  const $ = (id) => d.getElementById(id);
  const DRAFT = "brouillon";
  const ID = /^[a-z0-9_-]{1,64}$/;
  // Where the preview's answers go: a path of this site that the collector does not serve, so
  // that nothing is ever stored (it answers 405; the widget takes a 4xx as final and drops the
  // answer from its outbox).
  const PREVIEW_ENDPOINT = location.origin + "/apercu";

  const KINDS = {
    smileys: { name: "Smileys", label: "De façon générale, comment ça s'est passé ?" },
    stars: { name: "Étoiles (1 à 5)", label: "Quelle note donnez-vous ?" },
    scale: { name: "Échelle de notes", label: "Les informations étaient-elles claires ?" },
    nps: { name: "Recommandation (0 à 10)", label: "Recommanderiez-vous ce service à un proche ?" },
    yes_no: { name: "Oui ou non", label: "Avez-vous trouvé ce que vous cherchiez ?" },
    choice: { name: "Choix unique", label: "Quelle réponse choisissez-vous ?" },
    multiple: { name: "Choix multiples", label: "Quels services avez-vous utilisés ?" },
    text: { name: "Texte libre", label: "Voulez-vous nous en dire plus ?" },
    email: { name: "Adresse électronique", label: "Votre adresse électronique, si vous souhaitez une réponse" },
    consent: { name: "Case à cocher (accord)", label: "J'accepte que la mairie me recontacte." },
  };
  // The answers a condition can test, for the kinds that have a fixed list.
  const SMILEYS = {
    3: [["bad", "Pas bien"], ["average", "Moyen"], ["good", "Très bien"]],
    5: [["very_bad", "Très mal"], ["bad", "Pas bien"], ["average", "Moyen"], ["fine", "Bien"], ["good", "Très bien"]],
  };
  const NUMERIC = ["stars", "scale", "nps"];

  // ---------- State ----------

  let next = 1; // keys: stable ids of questions and choices in the page (not the form's ids)
  const key = () => next++;

  function emptyState() {
    return {
      form: { id: "mon-questionnaire", title: "Votre avis nous intéresse", description: "", lang: "fr" },
      poll: null, // { results, opens, closes, one_vote }
      questions: [],
      theme: { mode: "light", custom: false, accent: "#1f4e79", accentFg: "#ffffff", bg: "#ffffff", fg: "#1b1f24", radius: "" },
      endpoint: "https://avis.example.fr",
      translations: undefined, // kept as imported, not edited here
    };
  }
  let state = emptyState();

  function choice(id, label, exclusive) {
    return { key: key(), id, label, exclusive: !!exclusive };
  }

  function newQuestion(type) {
    let n = state.questions.length + 1;
    while (state.questions.some((q) => q.id == "question-" + n)) n++;
    const q = {
      key: key(), id: "question-" + n, type, label: KINDS[type].label, help: "", required: false, step: "",
      show_if: null, count: 3, min: 1, max: 5, min_label: "", max_label: "", choices: [], other: false,
      min_selected: "", max_selected: "", max_length: "", multiline: false, personal_data_warning: false,
    };
    if (type == "choice" || type == "multiple") {
      q.choices = [choice("choix-1", "Premier choix"), choice("choix-2", "Deuxième choix")];
    }
    if (type == "text") q.multiline = true;
    return q;
  }

  const byKey = (k) => state.questions.find((q) => q.key == k);
  const indexOf = (q) => state.questions.indexOf(q);

  // A number field: its number, the text as typed if it is not one (the check then says why),
  // or nothing when empty.
  function number(v) {
    if (v === "" || v == null) return undefined;
    const n = Number(v);
    return Number.isFinite(n) ? n : String(v);
  }

  // ---------- State → definition ----------

  function condition(q) {
    const c = q.show_if;
    if (!c) return undefined;
    const source = byKey(c.source);
    const out = { question: source ? source.id : "" };
    if (c.test == "less_than" || c.test == "greater_than") out[c.test] = number(c.number);
    else if (c.values.length > 1) out.one_of = c.values.slice();
    else out.equals = c.values.length ? c.values[0] : "";
    return out;
  }

  function definition() {
    const f = state.form;
    const def = { id: f.id, title: f.title };
    if (f.description.trim()) def.description = f.description;
    if (f.lang && f.lang != "fr") def.lang = f.lang;
    def.questions = state.questions.map((q) => {
      const o = { id: q.id, type: q.type, label: q.label };
      if (q.help.trim()) o.help = q.help;
      if (q.required) o.required = true;
      if (q.step !== "") o.step = number(q.step);
      const c = condition(q);
      if (c) o.show_if = c;
      const text = (name) => q[name].trim() && (o[name] = q[name]);
      const num = (name) => q[name] !== "" && (o[name] = number(q[name]));
      switch (q.type) {
        case "smileys":
          o.count = number(q.count);
          break;
        case "scale":
          num("min");
          num("max");
        // falls through: the end labels
        case "nps":
          text("min_label");
          text("max_label");
          break;
        case "choice":
        case "multiple":
          o.choices = q.choices.map((c) => {
            const x = { id: c.id, label: c.label };
            if (q.type == "multiple" && c.exclusive) x.exclusive = true;
            return x;
          });
          if (q.other) o.other = true;
          if (q.type == "multiple") {
            num("min_selected");
            num("max_selected");
          }
          break;
        case "text":
          num("max_length");
          if (q.multiline) o.multiline = true;
          if (q.personal_data_warning) o.personal_data_warning = true;
          break;
      }
      return o;
    });
    if (state.poll) {
      const p = { results: state.poll.results };
      // A date as imported is kept as written (its own offset) while its field is unchanged.
      for (const name of ["opens", "closes"]) {
        const local = state.poll[name];
        const was = state.poll.written && state.poll.written[name];
        if (local) p[name] = was && localTime(was) == local ? was : rfc3339(local);
      }
      if (!state.poll.one_vote) p.one_vote = false;
      def.poll = p;
    }
    if (state.translations) def.translations = state.translations;
    return def;
  }

  // "2030-06-30T23:59" (a datetime-local field, the computer's time zone) → RFC 3339 with the
  // offset of that day: "2030-06-30T23:59:00+02:00".
  function rfc3339(local) {
    const t = new Date(local);
    if (isNaN(t)) return local;
    const off = -t.getTimezoneOffset();
    const pad = (n) => String(Math.floor(Math.abs(n))).padStart(2, "0");
    const sign = off >= 0 ? "+" : "-";
    return local.slice(0, 16) + ":00" + sign + pad(off / 60) + ":" + pad(off % 60);
  }

  // The reverse, for a datetime-local field (its own clock time, as written).
  function localTime(text) {
    const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})/.exec(text || "");
    return m ? m[1] + "T" + m[2] : "";
  }

  // ---------- Definition → state (import, draft) ----------

  function fromDefinition(def) {
    const s = emptyState();
    s.form = { id: def.id, title: def.title, description: def.description || "", lang: def.lang || "fr" };
    const keys = new Map();
    s.questions = def.questions.map((x) => {
      const q = newQuestion(x.type);
      keys.set(x.id, q.key);
      const str = (v) => (v == null ? "" : String(v));
      Object.assign(q, {
        id: x.id, label: x.label, help: x.help || "", required: !!x.required, step: str(x.step),
        count: x.count || 3, min: x.min != null ? x.min : 1, max: x.max != null ? x.max : 5,
        min_label: x.min_label || "", max_label: x.max_label || "", other: !!x.other,
        min_selected: str(x.min_selected), max_selected: str(x.max_selected),
        max_length: str(x.max_length), multiline: !!x.multiline, personal_data_warning: !!x.personal_data_warning,
        choices: (x.choices || []).map((c) => choice(c.id, c.label, c.exclusive)),
        show_if: x.show_if || null,
      });
      return q;
    });
    // Conditions name questions by id; the editor holds them by key.
    s.questions.forEach((q) => {
      const c = q.show_if;
      if (!c) return;
      const test = c.less_than != null ? "less_than" : c.greater_than != null ? "greater_than" : "equals";
      q.show_if = {
        source: keys.get(c.question),
        test,
        values: c.one_of ? c.one_of.slice() : c.equals != null ? [c.equals] : [],
        number: test == "equals" ? "" : String(c[test]),
      };
    });
    if (def.poll) {
      s.poll = {
        results: def.poll.results || "after_vote",
        opens: localTime(def.poll.opens),
        closes: localTime(def.poll.closes),
        one_vote: def.poll.one_vote !== false,
        written: { opens: def.poll.opens, closes: def.poll.closes },
      };
    }
    s.translations = def.translations;
    return s;
  }

  // ---------- Drawing the editor ----------

  function el(tag, attrs, ...children) {
    const e = d.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === false || v == null) continue;
      if (k == "text") e.textContent = v;
      else if (k in e && typeof v != "string") e[k] = v;
      else e.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) if (c != null && c !== false) e.append(c);
    return e;
  }

  // A labelled field bound to question `q` (or choice `c`): `data-q`, `data-c` and `data-f` say
  // what it edits.
  function field(q, c, name, label, kind, extra) {
    const id = "q" + q.key + (c ? "-c" + c.key : "") + "-" + name;
    const value = c ? c[name] : fieldValue(q, name);
    const attrs = { id, "data-q": q.key, "data-c": c && c.key, "data-f": name };
    const { hint, options, ...more } = extra || {};
    let input;
    if (kind == "checkbox") {
      input = el("input", { ...attrs, type: "checkbox", checked: !!value, ...more });
      return el("div", { class: "field field-check" }, input, el("label", { for: id, text: label }));
    }
    if (kind == "select") {
      input = el("select", attrs, options.map(([v, t]) => el("option", { value: v, text: t, selected: String(value) == v })));
    } else if (kind == "textarea") {
      input = el("textarea", { ...attrs, rows: 2, ...more });
      input.value = value;
    } else {
      input = el("input", { ...attrs, type: kind || "text", autocomplete: "off", ...more });
      input.value = value;
    }
    if (hint) input.setAttribute("aria-describedby", id + "-aide");
    return el(
      "div",
      { class: "field" + (kind == "number" ? " field-number" : "") },
      el("label", { for: id, text: label }),
      hint && el("p", { class: "hint", id: id + "-aide", text: hint }),
      input,
    );
  }

  // `parent.append`, leaving out what is not drawn (null).
  const add = (parent, ...children) => parent.append(...children.filter((c) => c != null && c !== false));

  const kindName = (type) => (KINDS[type] ? KINDS[type].name : type);
  const quoted = (text) => "« " + text + " »";

  function drawQuestion(q, i) {
    const n = i + 1;
    const total = state.questions.length;
    const name = "la question " + n;
    const li = el("li", { class: "question", id: "q" + q.key });
    const fs = el(
      "fieldset",
      { "aria-describedby": "q" + q.key + "-erreur" },
      el("legend", {}, el("span", { class: "q-number", text: "Question " + n }), " · " + kindName(q.type)),
    );
    add(
      fs,
      el("p", { class: "field-error question-error", id: "q" + q.key + "-erreur", hidden: true }),
      field(q, null, "type", "Type", "select", { options: Object.keys(KINDS).map((t) => [t, kindName(t)]) }),
      field(q, null, "label", "Intitulé de la question", "text"),
      field(q, null, "id", "Identifiant de la question", "text", {
        spellcheck: "false",
        hint: "Lettres minuscules sans accent, chiffres, - et _ ; unique dans le questionnaire.",
      }),
      field(q, null, "help", "Aide sous l'intitulé (facultative)", "text"),
      field(q, null, "required", "Réponse obligatoire", "checkbox"),
      field(q, null, "step", "Commence l'étape numéro (facultatif)", "number", {
        min: 1,
        hint: "Laissez vide pour rester sur l'étape de la question précédente.",
      }),
      drawKind(q),
      drawCondition(q, i),
    );
    const actions = el(
      "div",
      { class: "q-actions" },
      el("button", { type: "button", class: "btn btn-small btn-secondary", id: "q" + q.key + "-up", "data-act": "up", "data-q": q.key, disabled: i == 0, "aria-label": "Monter " + name, text: "Monter" }),
      el("button", { type: "button", class: "btn btn-small btn-secondary", id: "q" + q.key + "-down", "data-act": "down", "data-q": q.key, disabled: i == total - 1, "aria-label": "Descendre " + name, text: "Descendre" }),
      el("button", { type: "button", class: "btn btn-small btn-danger", id: "q" + q.key + "-del", "data-act": "del", "data-q": q.key, "aria-label": "Supprimer " + name, text: "Supprimer" }),
    );
    fs.append(actions);
    li.append(fs);
    return li;
  }

  function drawKind(q) {
    const box = el("div", { class: "kind-fields" });
    switch (q.type) {
      case "smileys":
        box.append(field(q, null, "count", "Nombre de smileys", "select", { options: [["3", "3 (Pas bien, Moyen, Très bien)"], ["5", "5 (de Très mal à Très bien)"]] }));
        break;
      case "scale":
        box.append(
          el("div", { class: "row" }, field(q, null, "min", "Note la plus basse (0 ou 1)", "number", { min: 0, max: 1 }), field(q, null, "max", "Note la plus haute (10 au plus)", "number", { min: 2, max: 10 })),
        );
      // falls through: the end labels
      case "nps":
        box.append(
          field(q, null, "min_label", "Sens de la note la plus basse (facultatif)", "text", q.type == "nps" ? { placeholder: "Pas du tout probable" } : {}),
          field(q, null, "max_label", "Sens de la note la plus haute (facultatif)", "text", q.type == "nps" ? { placeholder: "Très probable" } : {}),
        );
        break;
      case "choice":
      case "multiple":
        box.append(drawChoices(q), field(q, null, "other", "Proposer « Autre, précisez »", "checkbox"));
        if (q.type == "multiple") {
          box.append(
            el("div", { class: "row" }, field(q, null, "min_selected", "Au moins (facultatif)", "number", { min: 0 }), field(q, null, "max_selected", "Au plus (facultatif)", "number", { min: 1 })),
          );
        }
        break;
      case "text":
        box.append(
          field(q, null, "max_length", "Nombre de caractères au plus (1000 si vide)", "number", { min: 1 }),
          field(q, null, "multiline", "Plusieurs lignes", "checkbox"),
          field(q, null, "personal_data_warning", "Avertir de ne pas écrire de données personnelles", "checkbox"),
        );
        break;
    }
    return box.childNodes.length ? box : null;
  }

  function drawChoices(q) {
    const n = indexOf(q) + 1;
    const fs = el("fieldset", { class: "choices" }, el("legend", { text: "Choix de la question " + n }));
    const list = el("ol", { class: "choice-list" });
    q.choices.forEach((c, j) => {
      const name = "le choix " + (j + 1) + " de la question " + n;
      list.append(
        el(
          "li",
          { class: "choice", id: "q" + q.key + "-c" + c.key },
          el("div", { class: "row" }, field(q, c, "label", "Texte du choix " + (j + 1), "text"), field(q, c, "id", "Identifiant du choix " + (j + 1), "text", { spellcheck: "false" })),
          q.type == "multiple" && field(q, c, "exclusive", "Exclusif : le choisir retire les autres", "checkbox"),
          el(
            "div",
            { class: "q-actions" },
            el("button", { type: "button", class: "btn btn-small btn-secondary", id: "q" + q.key + "-c" + c.key + "-up", "data-act": "c-up", "data-q": q.key, "data-c": c.key, disabled: j == 0, "aria-label": "Monter " + name, text: "Monter" }),
            el("button", { type: "button", class: "btn btn-small btn-secondary", id: "q" + q.key + "-c" + c.key + "-down", "data-act": "c-down", "data-q": q.key, "data-c": c.key, disabled: j == q.choices.length - 1, "aria-label": "Descendre " + name, text: "Descendre" }),
            el("button", { type: "button", class: "btn btn-small btn-danger", id: "q" + q.key + "-c" + c.key + "-del", "data-act": "c-del", "data-q": q.key, "data-c": c.key, "aria-label": "Supprimer " + name, text: "Supprimer" }),
          ),
        ),
      );
    });
    fs.append(list, el("button", { type: "button", class: "btn btn-small btn-secondary", id: "q" + q.key + "-c-add", "data-act": "c-add", "data-q": q.key, text: "Ajouter un choix à la question " + n }));
    return fs;
  }

  // The answers a condition on `q` may test: [value, words] pairs, or null for free values.
  function answersOf(q) {
    switch (q.type) {
      case "smileys":
        return SMILEYS[q.count] || SMILEYS[3];
      case "yes_no":
        return [["yes", "Oui"], ["no", "Non"]];
      case "choice":
      case "multiple":
        return q.choices.map((c) => [c.id, c.label || c.id]).concat(q.other ? [["other", "Autre"]] : []);
      default:
        return null;
    }
  }

  function drawCondition(q, i) {
    if (i == 0 && !q.show_if) return null;
    const n = i + 1;
    const id = "q" + q.key + "-si";
    const fs = el("fieldset", { class: "condition" }, el("legend", { text: "Quand montrer la question " + n }));
    const others = state.questions.filter((p) => p != q);
    const select = el(
      "select",
      { id, "data-q": q.key, "data-f": "show_if" },
      el("option", { value: "", text: "Toujours", selected: !q.show_if }),
      others.map((p) =>
        el("option", {
          value: p.key,
          selected: q.show_if && q.show_if.source == p.key,
          text: "Selon la réponse à la question " + (indexOf(p) + 1) + " (" + p.id + ")",
        }),
      ),
    );
    fs.append(el("div", { class: "field" }, el("label", { for: id, text: "Montrer cette question" }), select));
    const c = q.show_if;
    const source = c && byKey(c.source);
    if (source) {
      const values = answersOf(source);
      if (NUMERIC.includes(source.type)) {
        fs.append(
          el(
            "div",
            { class: "row" },
            field(q, null, "si_test", "Si la note", "select", {
              options: [["equals", "vaut"], ["less_than", "est inférieure à"], ["greater_than", "est supérieure à"]],
            }),
            field(q, null, "si_number", "Valeur", "number", {}),
          ),
        );
      } else if (values) {
        const group = el("fieldset", { class: "values" }, el("legend", { text: "Si la réponse est l'une de celles-ci" }));
        values.forEach(([v, words], j) => {
          const vid = id + "-v" + j;
          group.append(
            el(
              "div",
              { class: "field field-check" },
              el("input", { type: "checkbox", id: vid, value: v, "data-q": q.key, "data-f": "si_value", checked: c.values.includes(v) }),
              el("label", { for: vid, text: words }),
            ),
          );
        });
        fs.append(group);
      } else {
        fs.append(field(q, null, "si_equals", source.type == "consent" ? "Si la réponse vaut (yes : case cochée)" : "Si la réponse vaut exactement", "text"));
      }
    }
    return fs;
  }

  // What a field of `q` shows: its member, or for the condition's fields (si_test, si_number,
  // si_equals) what the condition holds.
  function fieldValue(q, name) {
    const c = q.show_if || { test: "equals", values: [], number: "" };
    if (name == "si_test") return c.test;
    if (name == "si_number") return c.test == "equals" ? c.values[0] || "" : c.number;
    if (name == "si_equals") return c.values[0] || "";
    return q[name];
  }

  function drawQuestions() {
    const list = $("questions");
    const focus = rememberFocus();
    list.replaceChildren(...state.questions.map(drawQuestion));
    $("aucune-question").hidden = state.questions.length > 0;
    restoreFocus(focus);
  }

  // Every question but `keep` drawn again (what they show of the others changed), without
  // touching the one being typed in.
  function redrawOthers(keep) {
    state.questions.forEach((q, i) => {
      if (q.key == keep) return;
      const old = $("q" + q.key);
      if (old) old.replaceWith(drawQuestion(q, i));
    });
  }

  function rememberFocus() {
    const a = d.activeElement;
    if (!a || !a.id) return null;
    const f = { id: a.id };
    try {
      f.start = a.selectionStart;
      f.end = a.selectionEnd;
    } catch (e) {
      // Not a text field.
    }
    return f;
  }

  function restoreFocus(f) {
    if (!f) return;
    const e = $(f.id);
    if (!e || e == d.activeElement) return;
    e.focus();
    if (f.start != null && e.setSelectionRange) {
      try {
        e.setSelectionRange(f.start, f.end);
      } catch (x) {
        // Not a text field any more.
      }
    }
  }

  function say(text) {
    const live = $("annonce");
    live.textContent = "";
    // A fresh text node, a moment later, so that the same words twice are announced twice.
    setTimeout(() => (live.textContent = text), 50);
  }

  // ---------- Editing ----------

  function onQuestionInput(e) {
    const t = e.target;
    const q = t.dataset && byKey(t.dataset.q);
    const f = t.dataset && t.dataset.f;
    if (!q || !f) return;
    const c = t.dataset.c && q.choices.find((x) => x.key == t.dataset.c);
    const value = t.type == "checkbox" ? t.checked : t.value;
    let structural = t.tagName == "SELECT" || t.type == "checkbox";
    if (f == "show_if") {
      q.show_if = t.value ? { source: Number(t.value), test: "equals", values: [], number: "" } : null;
    } else if (f == "si_test") {
      const was = q.show_if.test;
      q.show_if.test = value;
      if (was == "equals" && value != "equals") q.show_if.number = q.show_if.values[0] || "";
      if (was != "equals" && value == "equals") q.show_if.values = q.show_if.number ? [q.show_if.number] : [];
    } else if (f == "si_number") {
      if (q.show_if.test == "equals") q.show_if.values = value === "" ? [] : [value];
      else q.show_if.number = value;
    } else if (f == "si_equals") {
      q.show_if.values = [value];
    } else if (f == "si_value") {
      const vals = q.show_if.values.filter((v) => v != t.value);
      if (t.checked) vals.push(t.value);
      // In the order the question lists them.
      const order = (answersOf(byKey(q.show_if.source)) || []).map(([v]) => v);
      q.show_if.values = vals.sort((a, b) => order.indexOf(a) - order.indexOf(b));
      structural = false;
    } else if (c) {
      if (f == "id") renameAnswer(q, c.id, value);
      c[f] = value;
      // Conditions on this question list its choices.
      if (f == "id" || f == "label") redrawOthers(q.key);
    } else {
      if (f == "type") {
        const fresh = newQuestion(value);
        if (!q.choices.length) q.choices = fresh.choices;
        if (value == "text" && q.type != "text") q.multiline = true;
      }
      q[f] = f == "count" ? Number(value) : value;
      if (f == "id") redrawOthers(q.key);
    }
    if (structural && e.type == "change") drawQuestions();
    changed();
  }

  // A choice's id renamed: the conditions that tested it follow.
  function renameAnswer(q, from, to) {
    state.questions.forEach((p) => {
      const c = p.show_if;
      if (c && c.source == q.key) c.values = c.values.map((v) => (v == from ? to : v));
    });
  }

  function onQuestionClick(e) {
    const b = e.target.closest("button[data-act]");
    if (!b) return;
    const q = byKey(b.dataset.q);
    if (!q) return;
    const i = indexOf(q);
    const all = state.questions;
    const act = b.dataset.act;
    const label = quoted(q.label || q.id);
    if (act == "up" || act == "down") {
      const j = act == "up" ? i - 1 : i + 1;
      if (j < 0 || j >= all.length) return;
      [all[i], all[j]] = [all[j], all[i]];
      drawQuestions();
      // Focus stays on the moved question: this button, or the other one at an end.
      const same = $("q" + q.key + "-" + act);
      (same.disabled ? $("q" + q.key + "-" + (act == "up" ? "down" : "up")) : same).focus();
      say("Question " + label + " déplacée en position " + (j + 1) + " sur " + all.length + ".");
    } else if (act == "del") {
      all.splice(i, 1);
      state.questions.forEach((p) => {
        if (p.show_if && p.show_if.source == q.key) p.show_if = null;
      });
      drawQuestions();
      const near = all[i] || all[i - 1];
      (near ? $("q" + near.key + "-del") : $("nouveau-type")).focus();
      say("Question " + label + " supprimée. " + questionsCount());
    } else {
      const c = q.choices.find((x) => x.key == b.dataset.c);
      const k = c ? q.choices.indexOf(c) : -1;
      if (act == "c-add") {
        let n = q.choices.length + 1;
        while (q.choices.some((x) => x.id == "choix-" + n)) n++;
        const fresh = choice("choix-" + n, "");
        q.choices.push(fresh);
        drawQuestions();
        $("q" + q.key + "-c" + fresh.key + "-label").focus();
        say("Choix " + q.choices.length + " ajouté à la question " + (i + 1) + ".");
      } else if (act == "c-up" || act == "c-down") {
        const j = act == "c-up" ? k - 1 : k + 1;
        if (j < 0 || j >= q.choices.length) return;
        [q.choices[k], q.choices[j]] = [q.choices[j], q.choices[k]];
        drawQuestions();
        const id = "q" + q.key + "-c" + c.key + "-";
        const same = $(id + act.slice(2));
        (same.disabled ? $(id + (act == "c-up" ? "down" : "up")) : same).focus();
        say("Choix " + quoted(c.label || c.id) + " déplacé en position " + (j + 1) + " sur " + q.choices.length + ".");
      } else if (act == "c-del") {
        q.choices.splice(k, 1);
        renameAnswer(q, c.id, null);
        state.questions.forEach((p) => {
          if (p.show_if && p.show_if.source == q.key) p.show_if.values = p.show_if.values.filter((v) => v != null);
        });
        drawQuestions();
        const near = q.choices[k] || q.choices[k - 1];
        (near ? $("q" + q.key + "-c" + near.key + "-del") : $("q" + q.key + "-c-add")).focus();
        say("Choix " + quoted(c.label || c.id) + " supprimé.");
      }
    }
    changed();
  }

  const questionsCount = () =>
    state.questions.length == 0 ? "Aucune question." : state.questions.length == 1 ? "1 question." : state.questions.length + " questions.";

  function addQuestion() {
    const type = $("nouveau-type").value;
    const q = newQuestion(type);
    state.questions.push(q);
    drawQuestions();
    $("q" + q.key + "-label").focus();
    say("Question " + state.questions.length + " ajoutée : " + kindName(type) + ".");
    changed();
  }

  // ---------- Form settings and theme ----------

  function drawSettings() {
    const f = state.form;
    $("f-id").value = f.id;
    $("f-title").value = f.title;
    $("f-description").value = f.description;
    $("f-lang").value = f.lang;
    $("f-poll").checked = !!state.poll;
    $("f-poll-reglages").hidden = !state.poll;
    const p = state.poll || { results: "after_vote", opens: "", closes: "", one_vote: true };
    $("f-results").value = p.results;
    $("f-opens").value = p.opens;
    $("f-closes").value = p.closes;
    $("f-one-vote").checked = p.one_vote;
    const t = state.theme;
    $("t-theme").value = t.mode;
    $("t-custom").checked = t.custom;
    $("t-couleurs").hidden = !t.custom;
    $("t-accent").value = t.accent;
    $("t-accent-fg").value = t.accentFg;
    $("t-bg").value = t.bg;
    $("t-fg").value = t.fg;
    $("t-radius").value = t.radius;
    $("o-endpoint").value = state.endpoint;
    checkFormId();
  }

  function readSettings() {
    const f = state.form;
    f.id = $("f-id").value;
    f.title = $("f-title").value;
    f.description = $("f-description").value;
    f.lang = $("f-lang").value;
    if ($("f-poll").checked) {
      const written = state.poll && state.poll.written;
      state.poll = { results: $("f-results").value, opens: $("f-opens").value, closes: $("f-closes").value, one_vote: $("f-one-vote").checked, written };
    } else {
      state.poll = null;
    }
    $("f-poll-reglages").hidden = !state.poll;
    const t = state.theme;
    t.mode = $("t-theme").value;
    t.custom = $("t-custom").checked;
    $("t-couleurs").hidden = !t.custom;
    t.accent = $("t-accent").value;
    t.accentFg = $("t-accent-fg").value;
    t.bg = $("t-bg").value;
    t.fg = $("t-fg").value;
    t.radius = $("t-radius").value;
    state.endpoint = $("o-endpoint").value.trim();
    checkFormId();
    changed();
  }

  // The form id, checked as the user types (the definition's check says it too, later).
  function checkFormId() {
    const bad = !ID.test(state.form.id);
    const input = $("f-id");
    const err = $("f-id-erreur");
    err.hidden = !bad;
    err.textContent = bad ? "L'identifiant doit compter de 1 à 64 caractères parmi a à z, 0 à 9, - et _." : "";
    if (bad) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }

  // The theme as the placeholder's attributes: data-theme and the custom properties.
  function themeAttrs() {
    const t = state.theme;
    const props = [];
    if (t.custom) {
      props.push(["--voix-accent", t.accent], ["--voix-accent-fg", t.accentFg], ["--voix-bg", t.bg], ["--voix-fg", t.fg]);
    }
    if (t.radius) props.push(["--voix-radius", t.radius]);
    return { theme: t.mode == "light" ? "" : t.mode, props };
  }

  // ---------- Check, preview, outputs ----------

  let timer;
  let round = 0;
  let lastGood = null;

  function changed() {
    clearTimeout(timer);
    timer = setTimeout(update, 300);
  }

  function update() {
    const def = definition();
    const mine = ++round;
    if (!window.Voix || !Voix.check) {
      return showVerdict("Le widget (voix.js) n'a pas pu être chargé : l'aperçu et la vérification ne sont pas disponibles.", null);
    }
    Voix.check(def).then(
      (problem) => {
        if (mine != round) return;
        if (problem) return showVerdict(null, problem);
        showVerdict(null, null);
        lastGood = def;
        save();
        preview(def);
        outputs(def);
      },
      () => mine == round && showVerdict("Le widget n'a pas pu démarrer : l'aperçu et la vérification ne sont pas disponibles.", null),
    );
  }

  // Where a message of the check points: the question (its index) and the field.
  function whereOf(problem) {
    const m = /^questions\[(\d+)\](?:\.([a-z_]+)(?:\[(\d+)\]\.?([a-z_]+)?)?)?/.exec(problem);
    if (m) return { question: Number(m[1]), field: m[2], choice: m[3] != null ? Number(m[3]) : null, choiceField: m[4] };
    const top = /^([a-z_]+)/.exec(problem);
    return { top: top ? top[1] : null };
  }

  function clearErrors() {
    d.querySelectorAll(".question-error").forEach((p) => {
      p.hidden = true;
      p.textContent = "";
    });
    d.querySelectorAll("[aria-invalid]").forEach((e) => e != $("f-id") && e.removeAttribute("aria-invalid"));
    d.querySelectorAll(".question.has-error").forEach((e) => e.classList.remove("has-error"));
  }

  let said; // the verdict shown: the same one is not written (and announced) again
  function showVerdict(plain, problem) {
    const real = $("verdict");
    clearErrors();
    const again = said === (said = plain + "|" + problem);
    // Unchanged: marked again on the editor (it may have been redrawn), not announced again.
    const box = again ? el("div") : real;
    box.className = "verdict";
    $("o-perime").hidden = !problem && !plain;
    if (plain) {
      box.classList.add("verdict-bad");
      box.replaceChildren(el("p", { text: plain }));
      return;
    }
    if (!problem) {
      box.classList.add("verdict-ok");
      box.replaceChildren(el("p", { text: "Le questionnaire est valable : l'aperçu et le code sont à jour." }));
      return;
    }
    box.classList.add("verdict-bad");
    const where = whereOf(problem);
    let about = "Le questionnaire";
    const q = where.question != null && state.questions[where.question];
    if (q) {
      about = "Question " + (where.question + 1) + " (" + quoted(q.label || q.id) + ")";
      if (where.choice != null) about += ", choix " + (where.choice + 1);
      const own = $("q" + q.key + "-erreur");
      own.hidden = false;
      own.replaceChildren("À corriger : ", el("span", { lang: "en", text: problem }));
      $("q" + q.key).classList.add("has-error");
      const c = where.choice != null && q.choices[where.choice];
      const input = c ? $("q" + q.key + "-c" + c.key + "-" + (where.choiceField || "label")) : where.field && $("q" + q.key + "-" + (where.field == "show_if" ? "si" : where.field));
      if (input) {
        input.setAttribute("aria-invalid", "true");
        const by = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
        if (!by.includes(own.id)) input.setAttribute("aria-describedby", by.concat(own.id).join(" "));
      }
    } else if (where.top) {
      const names = { id: "l'identifiant", title: "le titre", description: "la description", lang: "la langue", poll: "le sondage", questions: "les questions" };
      if (names[where.top]) about = "Réglages du questionnaire, " + names[where.top];
      const input = { id: "f-id", title: "f-title", description: "f-description", lang: "f-lang", poll: "f-poll" }[where.top];
      if (input) $(input).setAttribute("aria-invalid", "true");
    }
    box.replaceChildren(
      el("p", { class: "verdict-title", text: "À corriger avant de voir l'aperçu : " + about }),
      el("p", { lang: "en", text: problem }),
    );
  }

  let host;
  function preview(def) {
    if (host) Voix.unmount(host);
    // A fresh element each time: a shadow root cannot be attached twice.
    host = el("div", { class: "preview-host" });
    const { theme, props } = themeAttrs();
    if (theme) host.setAttribute("data-theme", theme);
    // Through the CSSOM, which a strict CSP allows (a style attribute it would not).
    props.forEach(([k, v]) => host.style.setProperty(k, v));
    const box = $("apercu");
    // Keep the height while the new one draws, so that the page does not jump.
    box.style.minHeight = box.offsetHeight + "px";
    box.replaceChildren(host);
    host.addEventListener("voix:ready", () => (box.style.minHeight = ""), { once: true });
    host.addEventListener("voix:error", () => (box.style.minHeight = ""), { once: true });
    Voix.mount(host, { form: def.id, definition: def, endpoint: PREVIEW_ENDPOINT, lang: def.lang || "fr" });
  }

  // ---------- Outputs ----------

  const esc = (s) => s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

  function collector() {
    let url;
    try {
      url = new URL(state.endpoint || "https://avis.example.fr");
    } catch (e) {
      url = new URL("https://avis.example.fr");
    }
    const base = (url.origin + url.pathname).replace(/\/$/, "");
    return { script: base + "/voix.js", prefixed: url.pathname.replace(/\/$/, "") != "" ? base : null };
  }

  function placeholderAttrs(id) {
    const { theme, props } = themeAttrs();
    let a = 'data-voix-form="' + esc(id) + '"';
    const { prefixed } = collector();
    if (prefixed) a += ' data-endpoint="' + esc(prefixed) + '"';
    if (theme) a += ' data-theme="' + theme + '"';
    if (props.length) a += ' style="' + esc(props.map(([k, v]) => k + ": " + v).join("; ")) + '"';
    return a;
  }

  function outputs(def) {
    const id = def.id;
    const { script } = collector();
    const noscript = (collector().prefixed || new URL(script).origin) + "/f/" + encodeURIComponent(id);
    setOutput(
      "o-snippet",
      "<div " + placeholderAttrs(id) + ">\n" +
        '  <noscript><a href="' + esc(noscript) + '">Répondre au questionnaire</a></noscript>\n' +
        "</div>\n" +
        '<script src="' + esc(script) + '" data-form="' + esc(id) + '" async></script>',
    );
    // Inside a <script> element, "<" never appears as such: "</script>" in a label would end it.
    const json = JSON.stringify(def, null, 2).replace(/</g, "\\u003c");
    const defId = "def-" + id;
    setOutput(
      "o-inline",
      "<div " + placeholderAttrs(id) + ' data-definition="' + esc(defId) + '"></div>\n' +
        '<script type="application/json" id="' + esc(defId) + '">\n' + json + "\n</script>\n" +
        '<script src="' + esc(script) + '" async></script>',
    );
    setOutput("o-toml", "# forms/" + id + ".toml — made with the Voix form builder\n" + toToml(def));
    $("o3-aide").textContent = "Enregistrez-le sous le nom forms/" + id + ".toml à côté de voix.toml, le fichier de configuration du collecteur.";
    setOutput("o-config", 'forms = [ …, "forms/' + id + '.toml"]');
    setOutput("o-json", JSON.stringify(def, null, 2));
  }

  function setOutput(id, text) {
    $(id).firstElementChild.textContent = text;
  }

  // ---------- JSON → TOML ----------

  // A TOML basic string: backslash, quote and control characters escaped.
  function tomlString(s) {
    let out = '"';
    for (const ch of String(s)) {
      const c = ch.codePointAt(0);
      if (ch == '"') out += '\\"';
      else if (ch == "\\") out += "\\\\";
      else if (ch == "\n") out += "\\n";
      else if (ch == "\t") out += "\\t";
      else if (ch == "\r") out += "\\r";
      else if (ch == "\b") out += "\\b";
      else if (ch == "\f") out += "\\f";
      else if (c < 0x20 || c == 0x7f) out += "\\u" + c.toString(16).padStart(4, "0");
      else out += ch;
    }
    return out + '"';
  }

  const tomlKey = (k) => (/^[A-Za-z0-9_-]+$/.test(k) ? k : tomlString(k));
  const isTable = (v) => v && typeof v == "object" && !Array.isArray(v);

  // A value on one line: strings, numbers, booleans, arrays, inline tables.
  function tomlInline(v) {
    if (typeof v == "string") return tomlString(v);
    if (typeof v == "number") return Number.isInteger(v) ? String(v) : String(v);
    if (typeof v == "boolean") return String(v);
    if (Array.isArray(v)) return "[" + v.map(tomlInline).join(", ") + "]";
    if (isTable(v)) {
      const parts = Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => tomlKey(k) + " = " + tomlInline(x));
      return parts.length ? "{ " + parts.join(", ") + " }" : "{}";
    }
    return tomlString(String(v));
  }

  // key = value lines; an array of tables, one per line.
  function tomlPairs(obj) {
    let out = "";
    for (const [k, v] of Object.entries(obj)) {
      if (v === undefined) continue;
      if (Array.isArray(v) && v.length && v.every(isTable)) {
        out += tomlKey(k) + " = [\n" + v.map((x) => "  " + tomlInline(x) + ",\n").join("") + "]\n";
      } else {
        out += tomlKey(k) + " = " + tomlInline(v) + "\n";
      }
    }
    return out;
  }

  // Tables under `path` ([translations.en], [translations.en.questions.note]…): the scalars of
  // each first, then its sub-tables.
  function tomlTables(obj, path) {
    const plain = {};
    const tables = [];
    for (const [k, v] of Object.entries(obj)) {
      if (isTable(v)) tables.push([k, v]);
      else plain[k] = v;
    }
    let out = "";
    if (Object.keys(plain).length || !tables.length) out += "\n[" + path.map(tomlKey).join(".") + "]\n" + tomlPairs(plain);
    for (const [k, v] of tables) out += tomlTables(v, path.concat(k));
    return out;
  }

  // A definition as the collector's TOML file: top-level keys (the poll as an inline table),
  // then one [[questions]] table each (conditions inline, choices an array of inline tables),
  // then the translations as tables.
  function toToml(def) {
    const { questions, translations, ...top } = def;
    let out = tomlPairs(top);
    for (const q of questions) out += "\n[[questions]]\n" + tomlPairs(q);
    if (translations) {
      for (const [lang, t] of Object.entries(translations)) out += tomlTables(t, ["translations", lang]);
    }
    return out;
  }

  // ---------- Copy ----------

  function copy(button) {
    const pre = $(button.dataset.copy);
    const text = pre.textContent;
    const done = () => say("Copié.");
    const select = () => {
      // No clipboard (an http page, a refusal): the text is selected for Ctrl+C.
      const range = d.createRange();
      range.selectNodeContents(pre);
      const sel = getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
      say("Le texte est sélectionné : copiez-le avec Ctrl+C (ou Cmd+C).");
    };
    if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(text).then(done, select);
    else select();
  }

  // ---------- Import ----------

  function importText(text, from) {
    const err = $("import-erreur");
    let def;
    try {
      def = JSON.parse(text);
    } catch (e) {
      err.textContent = from + " n'est pas du JSON valable : " + e.message;
      return;
    }
    if (!isTable(def)) {
      err.textContent = from + " n'est pas une définition de questionnaire (un objet JSON est attendu).";
      return;
    }
    Voix.check(def).then(
      (problem) => {
        if (problem) {
          err.replaceChildren(from + " n'est pas une définition valable, rien n'a été remplacé : ", el("span", { lang: "en", text: problem }));
          return;
        }
        err.textContent = "";
        const keep = { theme: state.theme, endpoint: state.endpoint };
        state = Object.assign(fromDefinition(def), keep);
        drawSettings();
        drawQuestions();
        say("Questionnaire " + quoted(def.title) + " repris : " + questionsCount());
        changed();
      },
      () => (err.textContent = "La vérification n'est pas disponible : le widget n'a pas pu démarrer."),
    );
  }

  // ---------- Draft ----------

  function save() {
    try {
      localStorage.setItem(DRAFT, JSON.stringify({ definition: lastGood, theme: state.theme, endpoint: state.endpoint }));
    } catch (e) {
      // Storage refused: the draft lives as long as the page.
    }
  }

  function restore() {
    try {
      const draft = JSON.parse(localStorage.getItem(DRAFT));
      if (!draft || !draft.definition) return false;
      state = fromDefinition(draft.definition);
      if (draft.theme) state.theme = Object.assign(state.theme, draft.theme);
      if (typeof draft.endpoint == "string") state.endpoint = draft.endpoint;
      return true;
    } catch (e) {
      return false;
    }
  }

  // ---------- Start ----------

  function start() {
    const types = $("nouveau-type");
    Object.keys(KINDS).forEach((t) => types.append(el("option", { value: t, text: kindName(t) })));
    const list = $("questions");
    // Text fields as they are typed; selects and boxes on change, when they redraw.
    list.addEventListener("input", (e) => e.target.tagName == "SELECT" || e.target.type == "checkbox" || onQuestionInput(e));
    list.addEventListener("change", (e) => (e.target.tagName == "SELECT" || e.target.type == "checkbox") && onQuestionInput(e));
    list.addEventListener("click", onQuestionClick);
    $("ajouter").addEventListener("click", addQuestion);
    for (const id of ["f-id", "f-title", "f-description", "f-lang", "f-poll", "f-results", "f-opens", "f-closes", "f-one-vote", "t-theme", "t-custom", "t-accent", "t-accent-fg", "t-bg", "t-fg", "t-radius", "o-endpoint"]) {
      $(id).addEventListener("input", readSettings);
      $(id).addEventListener("change", readSettings);
    }
    d.querySelectorAll("button.copy").forEach((b) => b.addEventListener("click", () => copy(b)));
    $("importer").addEventListener("click", () => {
      const text = $("import-texte").value;
      if (!text.trim()) {
        $("import-erreur").textContent = "Collez d'abord une définition JSON dans le champ « Définition JSON ».";
        return;
      }
      importText(text, "Le texte collé");
    });
    $("import-fichier").addEventListener("change", (e) => {
      const file = e.target.files && e.target.files[0];
      if (file) file.text().then((t) => importText(t, "Le fichier " + quoted(file.name)));
    });
    $("vider").addEventListener("click", () => {
      try {
        localStorage.removeItem(DRAFT);
      } catch (e) {
        // Storage refused: there is no draft.
      }
      state = emptyState();
      drawSettings();
      drawQuestions();
      say("Questionnaire effacé.");
      changed();
    });
    if (!restore()) {
      state.questions.push(newQuestion("smileys"));
    }
    drawSettings();
    drawQuestions();
    update();
  }

  if (d.readyState == "loading") d.addEventListener("DOMContentLoaded", start);
  else start();
})();
