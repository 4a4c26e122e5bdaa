// realpolitik dashboard: plain DOM code, no external libraries, no network beyond this server.
// User-supplied text (scenario names, messages) is only ever set through textContent, never innerHTML.
"use strict";

const COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#8c6d00", "#000000"];
const SVGNS = "http://www.w3.org/2000/svg";
const state = { scenario: null, detail: null, job: null, timer: null, debounce: null, version: 0 };

function $(id) { return document.getElementById(id); }

function el(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function svg(tag, attrs, text) {
  const node = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

async function api(path, options) {
  const response = await fetch(path, Object.assign({ credentials: "same-origin" }, options || {}));
  const type = response.headers.get("content-type") || "";
  const body = type.includes("json") ? await response.json() : await response.text();
  if (!response.ok) {
    const message = body && body.error ? body.error : "request failed (" + response.status + ")";
    throw new Error(message);
  }
  return body;
}

function status(id, message, isError) {
  const node = $(id);
  node.textContent = message;
  node.classList.toggle("error", Boolean(isError));
}

async function loadScenarios(select) {
  const list = await api("/api/scenarios");
  const sel = $("scenario-select");
  sel.replaceChildren();
  for (const s of list) {
    sel.appendChild(el("option", { value: s.id }, s.id + (s.builtin ? "" : " (uploaded)") + " — " + s.title));
  }
  const chosen = select || (list.length ? list[0].id : null);
  if (chosen) { sel.value = chosen; await selectScenario(chosen); }
}

async function selectScenario(id) {
  state.scenario = id;
  state.detail = await api("/api/scenarios/" + encodeURIComponent(id));
  const s = state.detail.scenario;
  $("scenario-title").textContent = s.title;
  $("edit-link").href = "/edit?scenario=" + encodeURIComponent(id);
  const body = $("stances").querySelector("tbody");
  body.replaceChildren();
  const names = Object.fromEntries(s.actors.map((a) => [a.id, a.name]));
  const issues = Object.fromEntries(s.issues.map((i) => [i.id, i]));
  for (const st of s.stances) {
    const row = el("tr");
    row.appendChild(el("td", { title: names[st.actor] || st.actor }, st.actor));
    row.appendChild(el("td", { title: issues[st.issue] ? issues[st.issue].name : st.issue }, st.issue));
    for (const field of ["position", "salience"]) {
      const value = typeof st[field] === "number" ? st[field] : st[field].value;
      const scale = issues[st.issue].scale || { low: 0, high: 100 };
      const input = el("input", {
        type: "number", step: "any", value: String(value),
        min: field === "position" ? String(scale.low) : "0",
        max: field === "position" ? String(scale.high) : String(s.salience_scale),
        "data-actor": st.actor, "data-issue": st.issue, "data-field": field, "data-original": String(value),
        "aria-label": st.actor + " " + st.issue + " " + field,
      });
      input.addEventListener("input", () => {
        input.classList.toggle("edited", input.value !== input.dataset.original);
        showEdits();
        clearTimeout(state.debounce);
        state.debounce = setTimeout(runForecast, 250);
      });
      const cell = el("td");
      cell.appendChild(input);
      row.appendChild(cell);
    }
    body.appendChild(row);
  }
  showFigures(id);
  showEdits();
  $("lab-result").replaceChildren();
  status("lab-status", s.strategies.length ? "" : "This scenario defines no strategies.");
  $("lab-start").disabled = !s.strategies.length;
  await runForecast();
}

function overrides() {
  const byKey = {};
  for (const input of document.querySelectorAll("#stances input.edited")) {
    const value = Number(input.value);
    if (input.value === "" || !Number.isFinite(value)) continue;
    const key = input.dataset.actor + "." + input.dataset.issue;
    byKey[key] = byKey[key] || { actor: input.dataset.actor, issue: input.dataset.issue };
    byKey[key][input.dataset.field] = value;
  }
  return Object.values(byKey);
}

function editsText(n) {
  return n ? "with " + n + " stance edit" + (n === 1 ? "" : "s") : "";
}

// The comparison runs on the same edited stances as the forecast; its heading says so.
function showEdits() {
  $("lab-edits").textContent = editsText(overrides().length);
}

async function runForecast() {
  if (!state.scenario) return;
  try {
    const result = await api("/api/scenarios/" + encodeURIComponent(state.scenario) + "/forecast", {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ stances: overrides() }),
    });
    drawForecast(result);
  } catch (err) {
    status("upload-status", "Forecast: " + err.message, true);
  }
}

function drawForecast(result) {
  const issues = state.detail.scenario.issues;
  const models = result.results.filter((r) => !r.error);
  const width = 900, rowH = 46, left = 250, right = 30, top = 28;
  const chart = svg("svg", { class: "chart", viewBox: "0 0 " + width + " " + (top + rowH * issues.length + 10), role: "img" });
  models.forEach((m, j) => {
    const x = left + j * 110;
    chart.appendChild(svg("circle", { cx: x, cy: 12, r: 5, fill: COLOURS[j % COLOURS.length] }));
    chart.appendChild(svg("text", { x: x + 9, y: 16, "font-size": 12 }, m.model));
  });
  issues.forEach((issue, i) => {
    const y = top + rowH * i + rowH / 2;
    const lo = issue.scale.low, hi = issue.scale.high;
    const sx = (v) => left + (width - left - right) * (v - lo) / (hi - lo);
    const label = svg("text", { x: 4, y: y + 4, "font-size": 12 }, issue.name.length > 36 ? issue.name.slice(0, 35) + "…" : issue.name);
    label.appendChild(svg("title", {}, issue.name));
    chart.appendChild(label);
    chart.appendChild(svg("line", { x1: sx(lo), x2: sx(hi), y1: y, y2: y, stroke: "#999" }));
    for (const v of [lo, hi]) chart.appendChild(svg("text", { x: sx(v) - 8, y: y + 18, "font-size": 10, fill: "#666" }, String(v)));
    models.forEach((m, j) => {
      const v = m.forecast[issue.id];
      const dot = svg("circle", { cx: sx(v), cy: y - 6 + (j % 3) * 6, r: 6, fill: COLOURS[j % COLOURS.length], "fill-opacity": 0.85 });
      dot.appendChild(svg("title", {}, m.model + ": " + v.toFixed(1)));
      chart.appendChild(dot);
    });
  });
  state.version += 1;
  const holder = $("forecast-chart");
  holder.replaceChildren(chart);
  holder.dataset.version = String(state.version);
  holder.dataset.scenario = result.scenario;
  holder.dataset.values = JSON.stringify(Object.fromEntries(models.map((m) => [m.model, m.forecast])));
  const table = el("table", { id: "forecast-values" });
  const head = el("tr");
  head.appendChild(el("th", {}, "model"));
  for (const issue of issues) head.appendChild(el("th", {}, issue.id));
  table.appendChild(head);
  for (const r of result.results) {
    const row = el("tr");
    row.appendChild(el("td", {}, r.model));
    for (const issue of issues) row.appendChild(el("td", {}, r.error ? "—" : r.forecast[issue.id].toFixed(1)));
    table.appendChild(row);
  }
  const note = el("p", { class: "status" }, result.caveat);
  $("forecast-table").replaceChildren(table, note);
}

function showFigures(id) {
  const box = $("figures");
  box.replaceChildren();
  for (const name of ["actor_map", "channels", "models"]) {
    box.appendChild(el("img", { src: "/api/scenarios/" + encodeURIComponent(id) + "/figures/" + name, alt: name.replace("_", " "), loading: "lazy" }));
  }
}

async function upload(event) {
  event.preventDefault();
  const file = $("upload-file").files[0];
  if (!file) { status("upload-status", "Choose a file first.", true); return; }
  const form = new FormData();
  form.append("file", file);
  try {
    const info = await api("/api/scenarios", { method: "POST", body: form });
    status("upload-status", "Uploaded " + info.id + ": " + info.actors + " actors, " + info.issues + " issues.");
    await loadScenarios(info.id);
  } catch (err) {
    status("upload-status", "Upload refused: " + err.message, true);
  }
}

async function startLab() {
  try {
    const job = await api("/api/jobs", {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({
        scenario: state.scenario, draws: Number($("lab-draws").value), seed: Number($("lab-seed").value),
        stances: overrides(),
      }),
    });
    state.job = job.id;
    $("lab-cancel").disabled = false;
    $("lab-start").disabled = true;
    $("lab-result").replaceChildren();
    pollJob();
  } catch (err) {
    status("lab-status", err.message, true);
  }
}

async function pollJob() {
  const job = await api("/api/jobs/" + state.job);
  const bar = $("lab-progress");
  bar.max = Math.max(1, job.progress.total);
  bar.value = job.progress.done;
  status("lab-status", job.status + " (" + job.progress.done + "/" + job.progress.total + " shards)" + (job.message ? ": " + job.message : ""), job.status === "failed");
  if (["queued", "running"].includes(job.status)) { state.timer = setTimeout(pollJob, 300); return; }
  $("lab-cancel").disabled = true;
  $("lab-start").disabled = false;
  if (job.status === "done") await showLab(job);
}

const CRITERIA = {
  expected_utility: ["expected utility", "The client's utility averaged over the draws: 1 minus its salience-weighted distance from its own stated positions. Higher is better for the client."],
  p_best: ["P[best]", "The share of draws in which the strategy gives the client the highest utility of all."],
  p_satisficing: ["P[targets]", "The share of draws in which every target level is reached: good enough, not the best."],
  mean_regret: ["mean regret", "Regret in a draw is the utility lost against the best strategy in that draw; the mean over draws. Lower is better."],
  regret_q90: ["regret, 90 % quantile", "The regret the strategy stays below in 90 % of draws (maximum regret cannot be estimated with an interval)."],
};

function bottomLine(summary) {
  // the same generated text that `realpolitik lab` prints first and the brief leads with
  const words = summary.bottom_line;
  const box = el("div", { id: "lab-bottom-line", class: "note" });
  if (!words) return box;
  const headline = el("p");
  headline.appendChild(el("strong", {}, words.headline));
  box.appendChild(headline);
  const list = el("ul");
  for (const line of [...words.strategies, ...words.targets, words.horizon]) list.appendChild(el("li", {}, line));
  box.appendChild(list);
  box.appendChild(el("p", { class: "status" }, "Model " + summary.model + ": " + (summary.track_record || "no DEU III track record") + ". " + words.caveat));
  return box;
}

function glossary() {
  const details = el("details", { id: "lab-glossary" });
  details.appendChild(el("summary", {}, "Glossary"));
  const dl = el("dl");
  for (const [name, meaning] of Object.values(CRITERIA)) { dl.appendChild(el("dt", {}, name)); dl.appendChild(el("dd", {}, meaning)); }
  details.appendChild(dl);
  return details;
}

async function showLab(job) {
  const summary = await api("/api/jobs/" + job.id + "/results?format=json");
  const table = el("table", { id: "lab-table" });
  const head = el("tr");
  const shown = Object.keys(CRITERIA).filter((c) => summary.ranking && summary.ranking[c]);
  head.appendChild(el("th", {}, "strategy"));
  for (const c of shown) head.appendChild(el("th", {}, CRITERIA[c][0] + " [95%]"));
  table.appendChild(head);
  for (const r of summary.strategies) {
    const row = el("tr");
    row.appendChild(el("td", {}, r.strategy));
    for (const c of shown) {
      const v = summary.ranking[c].values[r.strategy];
      const lead = summary.ranking[c].leading_set.includes(r.strategy) ? " ★" : "";
      row.appendChild(el("td", {}, v.value.toFixed(3) + lead + " [" + v.ci95.map((x) => x.toFixed(3)).join(", ") + "]"));
    }
    table.appendChild(row);
  }
  const links = el("p");
  for (const f of ["json", "csv", "parquet"]) {
    links.appendChild(el("a", { href: "/api/jobs/" + job.id + "/results?format=" + f, download: "" }, f.toUpperCase()));
    links.appendChild(document.createTextNode(" "));
  }
  const used = (job.request && job.request.stances) || [];
  const caption = el("p", { id: "lab-edits-used", class: "status" },
    used.length ? "Computed " + editsText(used.length) + ": " + used.map((o) => o.actor + "." + o.issue).join(", ") + "."
      : "Computed on the scenario's own stances.");
  const box = $("lab-result");
  const note = el("p", { class: "status" }, "★ the leading set: strategies whose paired difference to the best has a 95 % interval containing 0.");
  box.replaceChildren(bottomLine(summary), caption, table, note, glossary(), links);
  for (const name of ["scores", "outcomes"]) box.appendChild(el("img", { src: "/api/jobs/" + job.id + "/figures/" + name, alt: name }));
}

async function cancelLab() {
  if (state.job) await api("/api/jobs/" + state.job + "/cancel", { method: "POST" });
}

function resetEdits() {
  for (const input of document.querySelectorAll("#stances input.edited")) {
    input.value = input.dataset.original;
    input.classList.remove("edited");
  }
  showEdits();
  runForecast();
}

document.addEventListener("DOMContentLoaded", () => {
  $("scenario-select").addEventListener("change", (e) => selectScenario(e.target.value));
  $("upload-form").addEventListener("submit", upload);
  $("forecast-button").addEventListener("click", runForecast);
  $("reset-button").addEventListener("click", resetEdits);
  $("lab-start").addEventListener("click", startLab);
  $("lab-cancel").addEventListener("click", cancelLab);
  loadScenarios().catch((err) => status("upload-status", err.message, true));
});
