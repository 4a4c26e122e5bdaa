// realpolitik scenario editor: open a scenario, edit it (form or raw text), see each problem next to its field in the
// words of `realpolitik validate`, save it as a new version, compare versions, and run the forecast, the strategy
// comparison and the brief on the saved version through the server's workflows (the CLI's numbers).
"use strict";

(function () {
  const RP = window.RP;
  const el = RP.el;
  const $ = (id) => document.getElementById(id);
  const state = { id: null, detail: null, dirty: false, timer: null, check: 0, lastCheck: null, job: null, brief: null };
  let form = null;

  async function api(path, options) {
    const response = await fetch(path, Object.assign({ credentials: "same-origin" }, options || {}));
    const type = response.headers.get("content-type") || "";
    const body = type.includes("json") ? await response.json() : await response.text();
    if (!response.ok) {
      const err = new Error(body && body.error ? body.error : "request failed (" + response.status + ")");
      err.status = response.status;
      err.problems = (body && body.problems) || [];
      throw err;
    }
    return body;
  }
  const post = (path, body) => api(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const sid = () => encodeURIComponent(state.id);

  function status(id, message, isError) {
    const node = $(id);
    node.textContent = message;
    node.classList.toggle("error", Boolean(isError));
  }

  // --- open a scenario -----------------------------------------------------------------------------------------
  async function loadList(chosen) {
    const list = await api("/api/scenarios");
    const sel = $("editor-scenario");
    sel.replaceChildren(...list.map((s) => el("option", { value: s.id }, s.id + (s.builtin ? " (built-in)" : "") + " — " + s.title)));
    const want = chosen && list.some((s) => s.id === chosen) ? chosen : list.length ? list[0].id : null;
    if (want) await open(want);
  }

  async function open(id) {
    state.id = id;
    $("editor-scenario").value = id;
    state.detail = await api("/api/scenarios/" + sid() + "/document");
    history.replaceState(null, "", "/edit?scenario=" + encodeURIComponent(id));
    $("editor-title").textContent = state.detail.title;
    $("save-id").value = state.detail.next_version;
    $("run-on").textContent = id;
    RP.normaliseGoals(state.detail.document);
    form.load(state.detail.document);
    setDirty(false);
    showProblems([]);
    status("check-status", "Opened " + id + (state.detail.builtin ? " (built-in: save edits as a new version)" : "") + ".");
    $("raw-text").value = state.detail.yaml;
    $("raw-format").value = "yaml";
    status("save-status", "");
    $("save-replace").hidden = true;
    await loadVersions();
    clearRuns();
  }

  function setDirty(dirty) {
    state.dirty = dirty;
    $("dirty-note").hidden = !dirty;
    document.body.dataset.dirty = dirty ? "yes" : "no";
  }

  // --- check the document as `realpolitik validate` does -----------------------------------------------------
  function edited() {
    setDirty(true);
    clearTimeout(state.timer);
    state.timer = setTimeout(check, 350);
  }

  async function check() {
    const n = ++state.check;
    document.body.dataset.checked = "pending";
    try {
      const result = await post("/api/scenarios/" + sid() + "/validate-document", { scenario: form.doc });
      if (n !== state.check) return;
      state.lastCheck = result;
      showProblems(result.problems);
      status("check-status", result.ok ? "No problems: the scenario validates." : result.problems.length + " problem" + (result.problems.length === 1 ? "" : "s") + ", shown next to the fields.", !result.ok);
      document.body.dataset.checked = result.ok ? "ok" : "problems";
    } catch (err) {
      status("check-status", "Check failed: " + err.message, true);
      document.body.dataset.checked = "failed";
    }
  }

  function clearProblems() {
    for (const node of document.querySelectorAll("#editor-form .field-error:not(.local-error)")) node.remove();
    for (const node of document.querySelectorAll("#editor-form [aria-invalid]")) {
      if (!node.parentElement.querySelector(".local-error")) node.removeAttribute("aria-invalid");
    }
    for (const node of document.querySelectorAll("#editor-form .invalid")) node.classList.remove("invalid");
  }

  // Each problem next to the field its path names (or the nearest element that holds it), and all in a list.
  function showProblems(problems) {
    clearProblems();
    const list = $("problems");
    list.replaceChildren();
    problems.forEach((p, i) => {
      const at = place(p, i);
      const item = el("li");
      const go = el("button", { type: "button", class: "link" }, p.path);
      go.addEventListener("click", () => form.focus(p.loc));
      item.append(go, document.createTextNode(": " + p.message + (at ? "" : " (" + p.text + ")")));
      list.appendChild(item);
    });
    $("problems-box").hidden = !problems.length;
  }

  function place(p, i) {
    for (let n = p.loc.length; n >= 0; n--) {
      const node = form.fields.get(RP.key(p.loc.slice(0, n)));
      if (!node) continue;
      // a number of an estimate: the message goes below its row of value, low and high, naming the field
      const row = node.parentElement && node.parentElement.classList.contains("est-row") ? node.parentElement : null;
      const prefix = n < p.loc.length ? p.path + ": " : row ? p.loc[p.loc.length - 1] + ": " : "";
      const note = el("p", { class: "field-error", id: "problem-" + i, "data-loc": RP.key(p.loc) }, prefix + p.message);
      const head = node.querySelector(":scope > summary, :scope > legend");
      if (row) row.after(note);
      else if (head) head.after(note);
      else node.appendChild(note);
      node.classList.add("invalid");
      const input = node.querySelector(":scope > input, :scope > select, :scope > textarea");
      if (input) {
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", note.id);
      }
      for (let up = node; up; up = up.parentElement) if (up.tagName === "DETAILS") up.open = true;
      return node;
    }
    return null;
  }

  // --- the raw tab: the same document as YAML or JSON text ----------------------------------------------------
  function showTab(name) {
    for (const tab of document.querySelectorAll("[role=tab]")) {
      const on = tab.dataset.tab === name;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      tab.tabIndex = on ? 0 : -1;
      $(tab.getAttribute("aria-controls")).hidden = !on;
    }
    if (name === "raw" && state.dirty) {
      const valid = state.lastCheck && state.lastCheck.ok;
      $("raw-text").value = valid ? state.lastCheck.yaml : JSON.stringify(form.doc, null, 2) + "\n";
      $("raw-format").value = valid ? "yaml" : "json";
      status("raw-status", valid ? "" : "The form has problems, so it is shown as JSON.");
    }
  }

  function tabKeys(event) {
    const tabs = [...document.querySelectorAll("[role=tab]")];
    const i = tabs.indexOf(event.target);
    if (!["ArrowLeft", "ArrowRight"].includes(event.key) || i < 0) return;
    const next = tabs[(i + (event.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length];
    next.focus();
    showTab(next.dataset.tab);
  }

  async function applyRaw() {
    try {
      const result = await post("/api/scenarios/" + sid() + "/validate-document", { text: $("raw-text").value, format: $("raw-format").value });
      if (!result.ok) {
        status("raw-status", result.problems.length + " problem(s); the form is unchanged.", true);
        const list = $("raw-problems");
        list.replaceChildren(...result.problems.map((p) => el("li", {}, p.text)));
        return;
      }
      $("raw-problems").replaceChildren();
      RP.normaliseGoals(result.document);
      form.load(result.document);
      state.lastCheck = result;
      setDirty(true);
      showProblems([]);
      status("raw-status", "Applied: the form holds this text.");
      status("check-status", "No problems: the scenario validates.");
    } catch (err) {
      status("raw-status", err.message, true);
    }
  }

  // --- save as a new version -----------------------------------------------------------------------------------
  async function save(overwrite) {
    const id = $("save-id").value.trim();
    const body = { scenario: form.doc, overwrite: Boolean(overwrite) };
    if (id) body.id = id;
    $("save-replace").hidden = true;
    try {
      const info = await post("/api/scenarios/" + sid() + "/versions", body);
      const from = state.id;
      await open(info.id);
      status("save-status", "Saved " + info.id + " (sha256 " + info.sha256.slice(0, 12) + "…), superseding " + (info.supersedes || "nothing") + "; " + (from === info.id ? "replaced in place." : "now open."));
    } catch (err) {
      if (err.status === 409) {
        status("save-status", err.message, true);
        $("save-replace").textContent = "Replace " + id;
        $("save-replace").hidden = false;
        $("save-replace").focus();
        return;
      }
      const more = err.problems.length ? ": " + err.problems.slice(0, 5).join("; ") : "";
      status("save-status", "Not saved: " + err.message + more, true);
      if (err.status === 422) check();
    }
  }

  // --- versions and what changed between them -------------------------------------------------------------------
  async function loadVersions() {
    const found = await api("/api/scenarios/" + sid() + "/versions");
    const table = $("versions").querySelector("tbody");
    table.replaceChildren();
    for (const v of found.versions) {
      const row = el("tr", v.id === state.id ? { class: "current" } : {});
      const openButton = el("button", { type: "button", class: "link", "aria-label": "Open " + v.id }, v.id);
      openButton.addEventListener("click", () => open(v.id));
      const cell = el("td");
      cell.appendChild(openButton);
      row.append(cell, el("td", {}, v.as_of || ""), el("td", {}, v.supersedes || ""), el("td", {}, v.builtin ? "built-in" : "saved"), el("td", {}, v.sha256.slice(0, 12)));
      table.appendChild(row);
    }
    for (const which of ["diff-old", "diff-new"]) {
      $(which).replaceChildren(...found.versions.map((v) => el("option", { value: v.id }, v.id)));
    }
    const current = found.versions.find((v) => v.id === state.id);
    $("diff-new").value = state.id;
    $("diff-old").value = current && current.supersedes && found.versions.some((v) => v.id === current.supersedes) ? current.supersedes : found.versions[0].id;
    $("brief-since-id").textContent = current && current.supersedes ? current.supersedes : "";
    $("brief-since").disabled = !(current && current.supersedes && found.versions.some((v) => v.id === current.supersedes));
    $("brief-since").checked = false;
    $("diff-result").replaceChildren();
  }

  async function showDiff() {
    const old = $("diff-old").value, now = $("diff-new").value;
    try {
      const d = await api("/api/diff?old=" + encodeURIComponent(old) + "&new=" + encodeURIComponent(now));
      const counts = Object.entries(d.counts).map(([k, n]) => n + " " + k).join(", ");
      const head = el("p", { id: "diff-summary" }, d.changes.length + " change(s) from " + old + " to " + now + (counts ? ": " + counts : "") + ".");
      const notes = d.notes.map((n) => el("p", { class: "status" }, n));
      const table = el("table", { id: "diff-table" });
      const hr = el("tr");
      for (const c of ["kind", "change"]) hr.appendChild(el("th", { scope: "col" }, c));
      table.appendChild(hr);
      for (const c of d.changes) {
        const row = el("tr", { "data-kind": c.kind });
        row.append(el("td", {}, c.kind), el("td", {}, c.sentence));
        table.appendChild(row);
      }
      $("diff-result").replaceChildren(head, ...notes, table);
    } catch (err) {
      $("diff-result").replaceChildren(el("p", { class: "status error" }, err.message));
    }
  }

  // --- run on the saved version ------------------------------------------------------------------------------
  function clearRuns() {
    for (const id of ["run-forecast-result", "run-lab-result", "run-brief-result"]) $(id).replaceChildren();
    status("run-lab-status", "");
    status("run-brief-status", "");
    $("run-lab-progress").value = 0;
  }

  async function runForecast() {
    status("run-forecast-status", "Running…");
    try {
      const result = await post("/api/scenarios/" + sid() + "/forecast", { seed: Number($("run-seed").value) || 0 });
      const issues = state.detail.document.issues.map((i) => i.id);
      const table = el("table", { id: "run-forecast-table" });
      const head = el("tr");
      for (const c of ["model", ...issues]) head.appendChild(el("th", { scope: "col" }, c));
      table.appendChild(head);
      const values = {};
      for (const r of result.results) {
        const row = el("tr");
        row.appendChild(el("th", { scope: "row" }, r.model));
        for (const i of issues) row.appendChild(el("td", {}, r.error ? "—" : r.forecast[i].toFixed(1)));
        if (!r.error) values[r.model] = r.forecast;
        table.appendChild(row);
      }
      table.dataset.values = JSON.stringify(values);
      table.dataset.scenario = result.scenario;
      $("run-forecast-result").replaceChildren(table, el("p", { class: "status" }, result.caveat));
      status("run-forecast-status", "Forecast of " + result.scenario + " (seed " + result.seed + ").");
    } catch (err) {
      status("run-forecast-status", err.message, true);
    }
  }

  async function startJob(kind) {
    const prefix = "run-" + kind;
    try {
      const job = kind === "lab"
        ? await post("/api/jobs", { scenario: state.id, draws: Number($("run-lab-draws").value), seed: Number($("run-seed").value) || 0 })
        : await post("/api/scenarios/" + sid() + "/brief", briefBody());
      state[kind === "lab" ? "job" : "brief"] = job.id;
      $(prefix + "-start").disabled = true;
      $(prefix + "-result").replaceChildren();
      poll(kind, job.id);
    } catch (err) {
      status(prefix + "-status", err.message, true);
    }
  }

  function briefBody() {
    const body = { draws: Number($("run-brief-draws").value), seed: Number($("run-seed").value) || 0, sensitivity_n: Number($("run-brief-sensitivity").value) };
    if ($("brief-since").checked) body.since = $("brief-since-id").textContent;
    return body;
  }

  async function poll(kind, id) {
    const prefix = "run-" + kind;
    const job = await api("/api/jobs/" + id);
    const bar = $(prefix + "-progress");
    bar.max = Math.max(1, job.progress.total);
    bar.value = job.progress.done;
    const phase = job.phase ? " " + job.phase : "";
    status(prefix + "-status", job.status + phase + (job.progress.total ? " (" + job.progress.done + "/" + job.progress.total + ")" : "") + (job.message ? ": " + job.message : ""), job.status === "failed");
    if (["queued", "running"].includes(job.status)) {
      setTimeout(() => poll(kind, id), 400);
      return;
    }
    $(prefix + "-start").disabled = false;
    if (job.status !== "done") return;
    bar.value = bar.max;
    if (kind === "lab") await showLab(job);
    else showBrief(job);
  }

  async function showLab(job) {
    const summary = await api("/api/jobs/" + job.id + "/results?format=json");
    const table = el("table", { id: "run-lab-table" });
    const head = el("tr");
    for (const c of ["strategy", "expected utility ± s.e.", "max regret", "P[best]"]) head.appendChild(el("th", { scope: "col" }, c));
    table.appendChild(head);
    for (const r of summary.strategies) {
      const row = el("tr");
      row.appendChild(el("th", { scope: "row" }, r.strategy));
      for (const c of [r.expected_utility.toFixed(3) + " ± " + r.expected_utility_se.toFixed(3), r.max_regret.toFixed(3), r.p_best.toFixed(2)]) row.appendChild(el("td", {}, c));
      table.appendChild(row);
    }
    table.dataset.summary = JSON.stringify(summary.strategies);
    const links = el("p");
    for (const f of ["json", "csv", "parquet"]) links.append(el("a", { href: "/api/jobs/" + job.id + "/results?format=" + f, download: "" }, f.toUpperCase()), " ");
    const caption = el("p", { class: "status" }, "Strategy comparison of " + job.scenario + ": " + summary.draws + " draws, seed " + job.request.seed + ", model " + (summary.model || job.request.model) + ".");
    $("run-lab-result").replaceChildren(caption, table, links);
  }

  function showBrief(job) {
    const base = "/api/jobs/" + job.id + "/brief";
    const links = el("p", { id: "run-brief-links" });
    links.append(
      el("a", { id: "brief-open", href: base + "?format=html", target: "_blank", rel: "noopener" }, "Open the brief"), " · ",
      el("a", { href: base + "?format=markdown", download: "" }, "Markdown"), " · ",
      el("a", { id: "brief-data", href: base + "?format=json", download: "" }, "data (JSON)"),
    );
    $("run-brief-result").replaceChildren(links);
    $("run-brief-result").dataset.job = job.id;
  }

  async function cancelJob(kind) {
    const id = state[kind === "lab" ? "job" : "brief"];
    if (id) await api("/api/jobs/" + id + "/cancel", { method: "POST" });
  }

  // --- wiring -------------------------------------------------------------------------------------------------
  document.addEventListener("DOMContentLoaded", () => {
    form = new RP.Form($("editor-form"), edited);
    $("editor-scenario").addEventListener("change", (e) => {
      if (state.dirty && !window.confirm("Discard the unsaved edits of " + state.id + "?")) {
        e.target.value = state.id;
        return;
      }
      open(e.target.value);
    });
    for (const tab of document.querySelectorAll("[role=tab]")) {
      tab.addEventListener("click", () => showTab(tab.dataset.tab));
      tab.addEventListener("keydown", tabKeys);
    }
    $("raw-apply").addEventListener("click", applyRaw);
    $("save-button").addEventListener("click", () => save(false));
    $("save-replace").addEventListener("click", () => save(true));
    $("diff-button").addEventListener("click", showDiff);
    $("run-forecast-start").addEventListener("click", runForecast);
    $("run-lab-start").addEventListener("click", () => startJob("lab"));
    $("run-lab-cancel").addEventListener("click", () => cancelJob("lab"));
    $("run-brief-start").addEventListener("click", () => startJob("brief"));
    $("run-brief-cancel").addEventListener("click", () => cancelJob("brief"));
    document.addEventListener("keydown", (e) => {
      if ((e.ctrlKey || e.metaKey) && e.key === "s") {
        e.preventDefault();
        save(false);
      }
    });
    window.addEventListener("beforeunload", (e) => {
      if (!state.dirty) return;
      e.preventDefault();
      e.returnValue = "";
    });
    const wanted = new URLSearchParams(location.search).get("scenario");
    loadList(wanted).catch((err) => status("check-status", err.message, true));
  });
})();
