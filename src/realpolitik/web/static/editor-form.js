// realpolitik scenario editor: the structured form, generated from the scenario document (the data of its YAML file).
// Every input carries its field path (data-path, JSON), so the server's problems, located by field path, appear next
// to the field they are about. Plain DOM code; user text is only ever set through textContent or input values.
"use strict";

(function () {
  const RP = (window.RP = window.RP || {});
  let uid = 0;

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? "" : String(v));
    }
    if (text !== undefined) node.textContent = text;
    return node;
  }
  RP.el = el;

  const key = (path) => JSON.stringify(path);
  RP.key = key;

  // --- the document: get, set and delete by field path -------------------------------------------------------
  function getAt(doc, path) {
    let node = doc;
    for (const part of path) {
      if (node === null || typeof node !== "object") return undefined;
      node = node[part];
    }
    return node;
  }

  function setAt(doc, path, value) {
    let node = doc;
    path.slice(0, -1).forEach((part, i) => {
      if (node[part] === null || typeof node[part] !== "object") node[part] = typeof path[i + 1] === "number" ? [] : {};
      node = node[part];
    });
    const last = path[path.length - 1];
    if (value === undefined) {
      if (Array.isArray(node) && typeof last === "number") node[last] = null;
      else delete node[last];
    } else {
      node[last] = value;
    }
  }
  RP.getAt = getAt;

  // A number typed by hand: a number when it reads as one, else the text itself (the server says what is wrong).
  function parseNumber(text) {
    const t = text.trim();
    if (t === "") return undefined;
    return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t) ? Number(t) : t;
  }

  function idList(text) {
    const ids = text.split(",").map((x) => x.trim()).filter((x) => x);
    return ids.length ? ids : undefined;
  }

  // --- the form ----------------------------------------------------------------------------------------------
  class Form {
    constructor(root, onChange) {
      this.root = root;
      this.onChange = onChange;
      this.doc = null;
      this.fields = new Map(); // path key -> the element a problem there is shown at
      this.open = new Set(["[]", "[\"stances\"]"]);
    }

    load(doc) {
      this.doc = doc;
      this.render();
    }

    changed(path, value) {
      setAt(this.doc, path, value);
      this.onChange(path);
    }

    register(path, node) {
      node.dataset.path = key(path);
      this.fields.set(key(path), node);
      return node;
    }

    render(focusPath) {
      this.fields = new Map();
      const body = el("div", { class: "form-body" });
      SECTIONS.forEach((section) => body.appendChild(section.call(this)));
      this.root.replaceChildren(body);
      refreshLists(this.doc);
      if (focusPath) this.focus(focusPath);
    }

    section(title, path, count, build) {
      const box = el("details", { class: "section", "data-key": key(path) });
      if (this.open.has(key(path))) box.open = true;
      box.addEventListener("toggle", () => (box.open ? this.open.add(key(path)) : this.open.delete(key(path))));
      box.appendChild(el("summary", {}, title + (count === undefined ? "" : " (" + count + ")")));
      this.register(path, box);
      build(box);
      return box;
    }

    // One labelled input; `read` turns the input's text into the value stored at `path` (undefined: removed).
    input(parent, path, label, opts) {
      const o = opts || {};
      const id = "f" + ++uid;
      const wrap = el("div", { class: "field" + (o.wide ? " wide" : o.grow ? " grow" : "") });
      wrap.appendChild(el("label", { for: id }, label));
      const value = getAt(this.doc, path);
      let input;
      if (o.options) {
        input = el("select", { id });
        for (const opt of o.options) input.appendChild(el("option", { value: opt }, opt));
        input.value = value === undefined ? o.options[0] : String(value);
      } else if (o.multiline) {
        input = el("textarea", { id, rows: o.rows || 2 });
        input.value = o.json ? (value === undefined ? "" : JSON.stringify(value, null, 2)) : value || "";
      } else if (o.checkbox) {
        input = el("input", { id, type: "checkbox" });
        input.checked = Boolean(value);
        wrap.classList.add("check");
        wrap.insertBefore(input, wrap.firstChild);
      } else {
        input = el("input", {
          id, type: o.date ? "date" : "text", list: o.list, inputmode: o.number ? "decimal" : undefined, placeholder: o.placeholder,
          class: o.number ? "num" : undefined, autocomplete: "off", spellcheck: o.number || o.list ? "false" : undefined,
        });
        input.value = value === undefined || value === null ? "" : Array.isArray(value) ? value.join(", ") : String(value);
      }
      if (o.title) input.title = o.title;
      const read = o.read || (o.checkbox ? (n) => n.checked || undefined : o.number ? (n) => parseNumber(n.value) : o.ids ? (n) => idList(n.value) : (n) => (n.value === "" && !o.keepEmpty ? undefined : n.value));
      input.addEventListener(o.checkbox || o.options ? "change" : "input", () => {
        if (o.write) {
          o.write(input);
        } else if (o.json) {
          let parsed;
          try {
            parsed = input.value.trim() === "" ? o.emptyValue : JSON.parse(input.value);
          } catch (err) {
            RP.showLocal(wrap, input, "not valid JSON: " + err.message);
            return;
          }
          RP.showLocal(wrap, input, "");
          this.changed(path, parsed);
        } else {
          this.changed(path, read(input));
        }
      });
      if (!o.checkbox) wrap.appendChild(input);
      this.register(path, wrap);
      input.dataset.path = key(path);
      wrap.dataset.path = key(path);
      parent.appendChild(wrap);
      return input;
    }

    // A number with its range, distribution, rationale and sources; written back as a plain number when it is one.
    estimate(parent, path, label, optional) {
      const box = this.register(path, el("fieldset", { class: "estimate" }));
      box.appendChild(el("legend", {}, label + (optional ? " (optional)" : "")));
      const current = () => {
        const v = getAt(this.doc, path);
        return v === undefined || v === null ? {} : typeof v === "object" ? Object.assign({}, v) : { value: v };
      };
      const write = (field, value) => {
        const est = current();
        if (value === undefined || (Array.isArray(value) && !value.length)) delete est[field];
        else est[field] = value;
        if (est.dist === "triangular") delete est.dist;
        const keys = Object.keys(est);
        if (!keys.length && optional) return this.changed(path, undefined);
        this.changed(path, keys.length === 1 && typeof est.value === "number" ? est.value : est);
      };
      const v = getAt(this.doc, path);
      const shown = (field) => (v !== null && typeof v === "object" ? v[field] : field === "value" ? v : undefined);
      const row = el("div", { class: "est-row" });
      box.appendChild(row);
      for (const field of ["value", "low", "high"]) {
        this.estField(row, path, field, shown(field), (text) => write(field, parseNumber(text)));
      }
      const more = el("details", { class: "more" });
      more.appendChild(el("summary", {}, "distribution, rationale, sources"));
      box.appendChild(more);
      const dists = ["triangular", "uniform", "pert", "truncnormal"];
      const dist = this.input(more, [...path, "dist"], "distribution", { options: dists, write: (n) => write("dist", n.value) });
      dist.value = shown("dist") || "triangular";
      const why = this.input(more, [...path, "rationale"], "rationale", { multiline: true, wide: true, write: (n) => write("rationale", n.value || undefined) });
      why.value = shown("rationale") || "";
      const src = this.input(more, [...path, "sources"], "sources (ids, comma-separated)", { list: "dl-sources", write: (n) => write("sources", idList(n.value)) });
      src.value = (shown("sources") || []).join(", ");
      if (shown("rationale") || (shown("sources") || []).length || (shown("dist") && shown("dist") !== "triangular")) {
        more.classList.add("has-content");
      }
      parent.appendChild(box);
      return box;
    }

    estField(row, path, field, value, onInput) {
      const id = "f" + ++uid;
      const wrap = el("div", { class: "field" });
      wrap.appendChild(el("label", { for: id }, field));
      const input = el("input", { id, type: "text", inputmode: "decimal", class: "num", autocomplete: "off", spellcheck: "false" });
      input.value = value === undefined || value === null ? "" : String(value);
      input.dataset.path = key([...path, field]);
      input.addEventListener("input", () => onInput(input.value));
      wrap.appendChild(input);
      this.register([...path, field], wrap);
      row.appendChild(wrap);
    }

    // A list of elements: each a fieldset with a remove button, and a button that adds one.
    list(parent, path, noun, title, build, template) {
      const items = getAt(this.doc, path) || [];
      const box = el("div", { class: "list" });
      items.forEach((item, i) => {
        if (item === null) return;
        const at = [...path, i];
        const fs = this.register(at, el("fieldset", { class: "item" }));
        fs.appendChild(el("legend", {}, title(item, i)));
        build.call(this, fs, at, item);
        const remove = el("button", { type: "button", class: "secondary small remove", "aria-label": "Remove " + title(item, i) }, "Remove");
        remove.addEventListener("click", () => this.remove(path, i));
        fs.appendChild(remove);
        box.appendChild(fs);
      });
      const add = el("button", { type: "button", class: "secondary small add", "data-add": key(path) }, "Add " + noun);
      add.addEventListener("click", () => {
        const list = (getAt(this.doc, path) || []).filter((x) => x !== null);
        list.push(JSON.parse(JSON.stringify(template)));
        setAt(this.doc, path, list);
        this.onChange(path);
        this.render([...path, list.length - 1]);
      });
      box.appendChild(add);
      parent.appendChild(box);
    }

    remove(path, index) {
      const list = (getAt(this.doc, path) || []).filter((x, i) => x !== null && i !== index);
      setAt(this.doc, path, list);
      this.onChange(path);
      this.render();
      const button = this.root.querySelector("[data-add='" + key(path) + "']");
      if (button) button.focus();
    }

    focus(path) {
      for (let n = path.length; n >= 0; n--) {
        const node = this.fields.get(key(path.slice(0, n)));
        if (!node) continue;
        for (let up = node; up; up = up.parentElement) if (up.tagName === "DETAILS") up.open = true;
        const target = node.matches("input, select, textarea") ? node : node.querySelector("input, select, textarea");
        (target || node).focus();
        return;
      }
    }
  }
  RP.Form = Form;

  // --- what each element of a scenario holds --------------------------------------------------------------------
  function documented(form, fs, at) {
    form.input(fs, [...at, "rationale"], "rationale", { multiline: true, wide: true });
    form.input(fs, [...at, "sources"], "sources (ids, comma-separated)", { ids: true, list: "dl-sources" });
  }

  function scenarioFields(box) {
    const d = this.doc;
    const fs = el("div", { class: "fields" });
    box.appendChild(fs);
    const who = el("p", { class: "hint wide" }, "id " + d.id + (d.supersedes ? "; supersedes " + (d.supersedes.id || d.supersedes) : "") + " (both are set when a version is saved)");
    fs.appendChild(who);
    this.input(fs, ["title"], "title", { wide: true, keepEmpty: true });
    this.input(fs, ["as_of"], "as of", { date: true });
    this.input(fs, ["client"], "client (actor id)", { list: "dl-actors" });
    this.input(fs, ["salience_scale"], "salience scale", { number: true, placeholder: "1" });
    this.input(fs, ["horizon"], "horizon (schema 2, e.g. 12 months)");
    this.input(fs, ["description"], "description", { multiline: true, wide: true, rows: 3 });
    documented(this, fs, []);
  }

  function actor(fs, at) {
    this.input(fs, [...at, "id"], "id", { keepEmpty: true });
    this.input(fs, [...at, "name"], "name", { grow: true, keepEmpty: true });
    this.input(fs, [...at, "group"], "group", { list: "dl-groups" });
    this.estimate(fs, [...at, "capability"], "capability");
    this.input(fs, [...at, "risk"], "risk [-1, 1]", { number: true });
    this.input(fs, [...at, "description"], "description", { multiline: true, wide: true });
    documented(this, fs, at);
  }

  const RULES = ["median", "mean", "owner", "veto", "qualified_majority"];
  const RULE_FIELDS = { owner: ["owner", "base"], veto: ["players", "base"], qualified_majority: ["share", "blocking"] };

  // Who decides: written as `decision` (schema 2); an untouched version-1 `decision_rule` stays as it is.
  function decision(fs, at) {
    const issue = getAt(this.doc, at);
    const d = issue.decision && typeof issue.decision === "object" ? issue.decision : typeof issue.decision === "string" ? { rule: issue.decision } : null;
    const box = this.register([...at, "decision"], el("fieldset", { class: "decision" }));
    box.appendChild(el("legend", {}, "who decides"));
    const values = Object.assign({ rule: d ? d.rule || "median" : issue.decision_rule || "median" }, d || {});
    const inputs = {};
    const write = () => {
      const rule = inputs.rule.value;
      const out = { rule };
      for (const f of RULE_FIELDS[rule] || []) {
        const v = f === "owner" || f === "players" ? idList(inputs[f].value) : f === "base" ? inputs[f].value : parseNumber(inputs[f].value);
        if (v !== undefined && !(f === "base" && v === "median")) out[f] = v;
      }
      for (const f of ["owner", "players", "share", "blocking", "base"]) {
        inputs[f].closest(".field").hidden = !(RULE_FIELDS[rule] || []).includes(f);
      }
      delete getAt(this.doc, at).decision_rule;
      this.changed([...at, "decision"], out);
    };
    const specs = [
      ["rule", "rule", { options: RULES }], ["owner", "owner (actors or a group)", { list: "dl-actors" }],
      ["players", "veto players", { list: "dl-actors" }], ["share", "share (0, 1]", { number: true }],
      ["blocking", "blocking (0, 1]", { number: true }], ["base", "base", { options: ["median", "mean"] }],
    ];
    for (const [f, label, opts] of specs) {
      const input = this.input(box, [...at, "decision", f], label, Object.assign({ write }, opts));
      const v = values[f];
      input.value = v === undefined ? (opts.options ? opts.options[0] : "") : Array.isArray(v) ? v.join(", ") : String(v);
      inputs[f] = input;
      if (f !== "rule") input.closest(".field").hidden = !(RULE_FIELDS[values.rule] || []).includes(f);
    }
    fs.appendChild(box);
  }

  function issue(fs, at) {
    this.input(fs, [...at, "id"], "id", { keepEmpty: true });
    this.input(fs, [...at, "name"], "name", { grow: true, keepEmpty: true });
    const scale = this.register([...at, "scale"], el("fieldset", { class: "scale" }));
    scale.appendChild(el("legend", {}, "scale"));
    this.input(scale, [...at, "scale", "low"], "low", { number: true, placeholder: "0" });
    this.input(scale, [...at, "scale", "high"], "high", { number: true, placeholder: "100" });
    this.input(scale, [...at, "scale", "unit"], "unit");
    const anchors = [...at, "scale", "anchors"];
    this.list(scale, anchors, "anchor", (a) => "anchor " + (a.value === undefined ? "" : a.value), function (afs, aat) {
      this.input(afs, [...aat, "value"], "value", { number: true });
      this.input(afs, [...aat, "label"], "label", { grow: true, keepEmpty: true });
    }, { value: 0, label: "" });
    fs.appendChild(scale);
    this.estimate(fs, [...at, "status_quo"], "status quo", true);
    decision.call(this, fs, at);
    this.input(fs, [...at, "description"], "description", { multiline: true, wide: true });
    documented(this, fs, at);
  }

  function stance(fs, at) {
    this.input(fs, [...at, "actor"], "actor", { list: "dl-actors", keepEmpty: true });
    this.input(fs, [...at, "issue"], "issue", { list: "dl-issues", keepEmpty: true });
    this.estimate(fs, [...at, "position"], "position");
    this.estimate(fs, [...at, "salience"], "salience");
    this.estimate(fs, [...at, "influence"], "influence", true);
    documented(this, fs, at);
  }

  function link(fs, at) {
    this.input(fs, [...at, "between", 0], "from actor", { list: "dl-actors", keepEmpty: true });
    this.input(fs, [...at, "between", 1], "to actor", { list: "dl-actors", keepEmpty: true });
    this.estimate(fs, [...at, "strength"], "strength [0, 1]");
    this.input(fs, [...at, "directed"], "directed (only the first reaches the second)", { checkbox: true });
    documented(this, fs, at);
  }

  function change(fs, at) {
    this.input(fs, [...at, "target"], "target", { wide: true, keepEmpty: true, title: "ACTOR.ISSUE.position, ACTOR.ISSUE.salience, ACTOR.capability, channel.A.B or coalition.ISSUE" });
    this.input(fs, [...at, "op"], "op", { options: ["set", "add", "scale", "open", "close", "align"] });
    this.estimate(fs, [...at, "value"], "value", true);
    this.input(fs, [...at, "members"], "members (coalition)", { ids: true, list: "dl-actors" });
    this.input(fs, [...at, "directed"], "directed", { checkbox: true });
    documented(this, fs, at);
  }

  function intervention(fs, at) {
    this.input(fs, [...at, "id"], "id", { keepEmpty: true });
    this.input(fs, [...at, "name"], "name", { grow: true });
    this.estimate(fs, [...at, "success"], "success probability", true);
    this.list(fs, [...at, "changes"], "change", (c) => "change " + (c.target || ""), change, { target: "", op: "set" });
    this.input(fs, [...at, "description"], "description", { multiline: true, wide: true });
    documented(this, fs, at);
  }

  function strategy(fs, at) {
    this.input(fs, [...at, "id"], "id", { keepEmpty: true });
    this.input(fs, [...at, "name"], "name", { grow: true });
    this.input(fs, [...at, "interventions"], "interventions (ids, in order)", { ids: true, wide: true, list: "dl-interventions", read: (n) => idList(n.value) || [] });
    this.input(fs, [...at, "description"], "description", { multiline: true, wide: true });
    documented(this, fs, at);
  }

  function source(fs, at) {
    this.input(fs, [...at, "id"], "id", { keepEmpty: true });
    this.input(fs, [...at, "title"], "title", { wide: true, keepEmpty: true });
    this.input(fs, [...at, "publisher"], "publisher");
    this.input(fs, [...at, "date"], "date");
    this.input(fs, [...at, "url"], "url", { wide: true });
    this.input(fs, [...at, "note"], "note", { multiline: true, wide: true });
  }

  function target(fs, at) {
    this.input(fs, [...at, "issue"], "issue", { list: "dl-issues", keepEmpty: true });
    this.input(fs, [...at, "op"], "op", { options: [">=", "<="] });
    this.input(fs, [...at, "value"], "value", { number: true });
    documented(this, fs, at);
  }

  function outcome(fs, at) {
    this.input(fs, [...at, "issue"], "issue", { list: "dl-issues", keepEmpty: true });
    this.estimate(fs, [...at, "value"], "realised level");
    this.input(fs, [...at, "date"], "date", { date: true });
    this.input(fs, [...at, "note"], "note", { wide: true });
    documented(this, fs, at);
  }

  function indicator(fs, at) {
    this.input(fs, at, "indicator (JSON; see docs/scenario-format.md)", { multiline: true, json: true, wide: true, rows: 8, emptyValue: {} });
  }

  const name = (x, fallback) => (x && x.id ? x.id : fallback);
  const part = (title, path, noun, label, build, template) =>
    function () {
      const items = getAt(this.doc, path) || [];
      return this.section(title, path, items.filter((x) => x !== null).length, (box) => this.list(box, path, noun, label, build, template));
    };

  function normaliseGoals(doc) {
    doc.targets = (doc.targets || []).map((g) => {
      if (typeof g !== "string") return g;
      const m = /^(.*?)(>=|<=)(.*)$/.exec(g);
      return m ? { issue: m[1].trim(), op: m[2], value: Number(m[3]) } : g;
    });
    if (!doc.targets.length) delete doc.targets;
  }
  RP.normaliseGoals = normaliseGoals;

  const SECTIONS = [
    function () { return this.section("Scenario", [], undefined, (box) => scenarioFields.call(this, box)); },
    part("Sources", ["bibliography"], "source", (x, i) => "source " + name(x, i + 1), source, { id: "", title: "" }),
    part("Actors", ["actors"], "actor", (x, i) => "actor " + name(x, i + 1), actor, { id: "", name: "", capability: 1 }),
    part("Issues and who decides", ["issues"], "issue", (x, i) => "issue " + name(x, i + 1), issue, { id: "", name: "" }),
    part("Stances", ["stances"], "stance", (x) => "stance " + (x.actor || "?") + " · " + (x.issue || "?"), stance, { actor: "", issue: "", position: 50, salience: 0.5 }),
    function () {
      const links = (getAt(this.doc, ["channels", "links"]) || []).filter((x) => x !== null);
      return this.section("Channels", ["channels"], links.length, (box) => {
        this.estimate(box, ["channels", "default"], "default strength of unlisted pairs (1 when empty)", true);
        documented(this, box, ["channels"]);
        this.list(box, ["channels", "links"], "channel", (x) => "channel " + ((x.between || []).join(x.directed ? " → " : " – ") || "?"), link, { between: ["", ""], strength: 0.5 });
      });
    },
    part("Interventions", ["interventions"], "intervention", (x, i) => "intervention " + name(x, i + 1), intervention, { id: "", changes: [] }),
    part("Strategies", ["strategies"], "strategy", (x, i) => "strategy " + name(x, i + 1), strategy, { id: "", interventions: [] }),
    part("Targets", ["targets"], "target", (x) => "target " + (x.issue || "?") + " " + (x.op || "") + " " + (x.value === undefined ? "" : x.value), target, { issue: "", op: ">=", value: 0 }),
    part("Outcomes", ["outcomes"], "outcome", (x) => "outcome " + (x.issue || "?") + (x.date ? " @ " + x.date : ""), outcome, { issue: "", value: 0 }),
    part("Indicators", ["indicators"], "indicator", (x, i) => "indicator " + name(x, i + 1), indicator, { id: "", issue: "", mapping: [] }),
  ];

  // Suggestions for fields that name other elements (an input with a list accepts anything; the server checks).
  function refreshLists(doc) {
    const ids = (items, f) => (items || []).filter((x) => x && typeof x === "object").map(f || ((x) => x.id)).filter((x) => typeof x === "string" && x);
    const lists = {
      "dl-actors": [...ids(doc.actors), ...new Set(ids(doc.actors, (a) => a.group))],
      "dl-issues": ids(doc.issues),
      "dl-interventions": ids(doc.interventions),
      "dl-sources": ids(doc.bibliography),
      "dl-groups": [...new Set(ids(doc.actors, (a) => a.group))],
    };
    for (const [id, values] of Object.entries(lists)) {
      let node = document.getElementById(id);
      if (!node) {
        node = el("datalist", { id });
        document.body.appendChild(node);
      }
      node.replaceChildren(...values.map((v) => el("option", { value: v })));
    }
  }
  RP.refreshLists = refreshLists;

  // A message next to a field that the browser found (malformed JSON), before the server sees anything.
  RP.showLocal = function (wrap, input, message) {
    let note = wrap.querySelector(".local-error");
    if (!message) {
      if (note) note.remove();
      input.removeAttribute("aria-invalid");
      return;
    }
    if (!note) {
      note = el("p", { class: "field-error local-error", id: "le" + ++uid });
      wrap.appendChild(note);
    }
    note.textContent = message;
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", note.id);
  };
})();
