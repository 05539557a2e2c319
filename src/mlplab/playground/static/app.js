// mlplab playground page: controls, URL state, polling the server, drawing.
// Vanilla JS, no libraries. Training runs on the server; this page only draws.
//
// The controls always show the server's configuration (`page.state.config`): a change is
// shown at once, sent, and either accepted (the server's answer becomes the truth) or
// refused, in which case the controls go back to the truth and the error is shown at the
// control it concerns. Nothing refused is ever sent again.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const NEG = [245, 147, 34], POS = [8, 119, 189], MID = [232, 234, 235];
  const PALETTE = ["#f59322", "#0877bd", "#2ca02c", "#9467bd", "#d62728", "#8c564b", "#e377c2", "#17becf"];
  const LRS = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
  const REG_RATES = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
  const DROPOUTS = [0, 0.1, 0.2, 0.3, 0.5];
  // Short URL keys for every config field; `test`, `disc`, `hide` and `lang` are the page's own.
  const URL_KEYS = {
    dataset: "ds", problem: "problem", n_classes: "nc", n_samples: "n", noise: "noise",
    train_ratio: "ratio", batch_size: "bs", seed: "seed", features: "f", hidden: "h",
    activations: "a", optimizer: "opt", momentum: "mom", learning_rate: "lr", schedule: "sch",
    decay_epochs: "de", initializer: "init", regularization: "reg", reg_rate: "rr",
    dropout: "do", batch_norm: "bn",
  };
  const LISTS = new Set(["features", "hidden", "activations"]);
  // What classroom mode can hide (the `hide=` URL parameter): key -> label key.
  const HIDE_KEYS = {
    reset: "reset", step: "step", optimizer: "optimizer", momentum: "momentum",
    learning_rate: "learning_rate", schedule: "schedule", regularization: "regularization",
    problem: "problem", dataset: "data", n_classes: "n_classes", train_ratio: "train_ratio",
    noise: "noise", batch_size: "batch_size", n_samples: "n_samples", regenerate: "regenerate",
    upload: "upload_short", features: "features", layers: "hidden_layers_ctl",
    activations: "activation", initializer: "initializer", dropout: "dropout",
    batch_norm: "batch_norm", edit_weights: "edit_weights", diagnostics: "gradient_flow",
    show_test: "show_test", discretize: "discretize", loss_chart: "loss_chart",
    exports: "exports", language: "language", classroom: "classroom",
  };
  // Where a server error about a field is shown (the element with data-field=...).
  const FIELD_HOME = { hidden: "hidden", activations: "activations", seed: "seed", upload: "upload" };

  const page = {
    catalog: null, config: null, state: null, lang: "en", showTest: false, discretize: false,
    hidden: new Set(), hover: null, hoverMap: null, dataVersion: null, points: null,
    structure: "", inflight: null, queued: false, controls: 0, touched: null, truthSeq: 0,
    uploadText: null, uploadName: "", ready: false,
  };
  window.__playground = page;  // for tests and the curious

  // -- session id: one per page load (the old one is deleted when the page goes) ----------
  const SID = (window.crypto && crypto.randomUUID) ? crypto.randomUUID()
    : Array.from({ length: 32 }, () => Math.floor(Math.random() * 16).toString(16)).join("");
  const api = (path) => `/api/session/${SID}/${path}`;
  page.sid = SID;

  class ApiError extends Error {
    constructor(status, body) {
      super((body && body.error) || `HTTP ${status}`);
      this.status = status; this.body = body || {};
    }
  }
  async function request(url, options) {
    const res = await fetch(url, options);
    const body = res.headers.get("content-type")?.includes("json") ? await res.json() : await res.text();
    if (!res.ok) throw new ApiError(res.status, typeof body === "object" ? body : { error: body });
    return body;
  }
  const postJSON = (url, data) => request(url, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(data) });

  // -- i18n ----------------------------------------------------------------------------------
  function t(key, params) {
    let s = (I18N[page.lang] && I18N[page.lang][key]);
    if (s === undefined) s = I18N.en[key];
    if (s === undefined) s = key;
    for (const [k, v] of Object.entries(params || {})) s = s.split(`{${k}}`).join(String(v));
    return s;
  }
  const optionLabel = (group, v) => {
    const key = `${group}-${v}`;
    return (I18N.en[key] !== undefined) ? t(key) : prettyName(String(v));
  };
  function prettyName(name) {  // leaky_relu -> Leaky ReLU (names without a translation)
    const special = { relu: "ReLU", relu6: "ReLU6", elu: "ELU", gelu: "GELU", selu: "SELU", celu: "CELU",
      prelu: "PReLU", rrelu: "RReLU", silu: "SiLU", tanh: "tanh" };
    return name.split("_").map((w, i) => special[w] || (i ? w : w[0].toUpperCase() + w.slice(1))).join(" ");
  }
  function fieldLabel(field) {
    const key = { hidden: "hidden_layers_ctl", activations: "activation", dataset: "data", seed: "seed" }[field] || field;
    return (I18N.en[key] !== undefined) ? t(key) : field;
  }
  // A server (or page) error as a sentence in the page's language.
  function errorText(body) {
    const code = (body && body.code) || "";
    const p = Object.assign({}, (body && body.params) || {});
    p.field = fieldLabel(body.field || p.name || "");
    if (code === "bad_csv" && body.params && body.params.code) {
      return `${t("err-bad_csv")}: ${t(`csv-${body.params.code}`, body.params)}`;
    }
    const key = `err-${code}`;
    if (code && I18N.en[key] !== undefined) return t(key, p);
    return `${t("error")}: ${(body && body.error) || "?"}`;
  }

  function fillSelect(el, values, label) {
    const keep = el.value;
    el.innerHTML = "";
    for (const v of values) {
      const o = document.createElement("option");
      o.value = String(v); o.textContent = label ? label(v) : String(v);
      el.appendChild(o);
    }
    if (keep) el.value = keep;
  }
  function fillOptions() {
    const c = page.catalog;
    fillSelect($("optimizer"), c.optimizers, (v) => optionLabel("opt", v));
    fillSelect($("schedule"), c.schedules, (v) => optionLabel("sch", v));
    fillSelect($("initializer"), c.initializers, (v) => optionLabel("init", v));
    fillSelect($("regularization"), c.regularizations, (v) => optionLabel("reg", v));
    fillSelect($("problem"), c.problems, (v) => t(v));
    fillSelect($("learning_rate"), LRS);
    fillSelect($("reg_rate"), REG_RATES);
    fillSelect($("dropout"), DROPOUTS);
    fillSelect($("n_classes"), [2, 3, 4, 5, 6, 7, 8]);
  }
  function applyLanguage() {
    document.documentElement.lang = page.lang;
    document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
    document.querySelectorAll("[data-i18n-title]").forEach((el) => { el.title = t(el.dataset.i18nTitle); });
    $("lang").value = page.lang;
    if (page.catalog) { fillOptions(); buildDatasets(); buildFeatures(); buildClassroom(); }
    document.querySelectorAll(".field-error[data-error]").forEach((el) => { el.textContent = errorText(JSON.parse(el.dataset.error)); });
    if (page.state) { page.structure = ""; syncControls(); render(page.state); }
  }

  // -- URL <-> config --------------------------------------------------------------------------
  function configFromURL(defaults) {
    const q = new URLSearchParams(location.search);
    const cfg = JSON.parse(JSON.stringify(defaults));
    if (!q.has("problem")) delete cfg.problem;  // the data set's own, as the server decides
    for (const [field, key] of Object.entries(URL_KEYS)) {
      if (!q.has(key)) continue;
      const raw = q.get(key);
      const def = defaults[field];
      if (LISTS.has(field)) {
        const parts = raw === "" ? [] : raw.split(",");
        cfg[field] = field === "hidden" ? parts.map(Number) : parts;
      } else if (typeof def === "boolean") cfg[field] = raw === "1" || raw === "true";
      else if (typeof def === "number") cfg[field] = raw.trim() === "" ? NaN : Number(raw);
      else cfg[field] = raw;
    }
    // JSON has no NaN or Infinity: send what cannot be a number as the text it was, so the
    // server's refusal names the field.
    for (const [k, v] of Object.entries(cfg)) if (typeof v === "number" && !Number.isFinite(v)) cfg[k] = q.get(URL_KEYS[k]);
    page.showTest = q.get("test") === "1";
    page.discretize = q.get("disc") === "1";
    page.hidden = new Set((q.get("hide") || "").split(",").filter((k) => k in HIDE_KEYS));
    return cfg;
  }
  function writeURL() {
    const c = page.state ? page.state.config : page.config;
    const q = new URLSearchParams();
    for (const [field, key] of Object.entries(URL_KEYS)) {
      const v = c[field];
      if (v === undefined) continue;
      q.set(key, Array.isArray(v) ? v.join(",") : typeof v === "boolean" ? (v ? "1" : "0") : String(v));
    }
    if (page.showTest) q.set("test", "1");
    if (page.discretize) q.set("disc", "1");
    if (page.hidden.size) q.set("hide", [...page.hidden].join(","));
    const lang = new URLSearchParams(location.search).get("lang");
    if (lang) q.set("lang", page.lang);
    history.replaceState(null, "", `${location.pathname}?${q}`.replace(/%2C/g, ","));
  }

  // -- notices and errors at the field ------------------------------------------------------------
  let noticeTimer = null;
  function showNotice(text, kind, source) {
    const el = $("notice");
    el.textContent = text || "";
    el.className = kind || "error";
    el.dataset.source = source || "page";
    el.hidden = !text;
    clearTimeout(noticeTimer);
    if (kind === "info") noticeTimer = setTimeout(() => { el.hidden = true; }, 2500);
  }
  function clearNotice(source) {
    const el = $("notice");
    if (!el.hidden && (!source || el.dataset.source === source)) el.hidden = true;
  }
  function fieldHome(field) {
    return document.querySelector(`[data-field="${FIELD_HOME[field] || field}"]`);
  }
  function showFieldError(field, body) {
    const home = fieldHome(field);
    if (!home || home.closest("[hidden]")) { showNotice(errorText(body), "error", "field"); return; }
    clearFieldError(field);
    home.classList.add("invalid");
    const box = document.createElement("div");
    box.className = "field-error"; box.setAttribute("role", "alert");
    box.setAttribute("data-testid", `error-${field}`);
    box.dataset.error = JSON.stringify(body);
    box.textContent = errorText(body);
    home.appendChild(box);
  }
  function clearFieldError(field) {
    const home = fieldHome(field);
    if (!home) return;
    home.classList.remove("invalid");
    home.querySelectorAll(":scope > .field-error").forEach((e) => e.remove());
  }
  function clearFieldErrors() {
    document.querySelectorAll("[data-field].invalid").forEach((el) => el.classList.remove("invalid"));
    document.querySelectorAll("[data-field] > .field-error").forEach((e) => e.remove());
  }

  // -- sending the configuration ---------------------------------------------------------------
  let sendTimer = null;
  // Checks the page can make itself, so a value the server would refuse is never sent.
  function localError(patch) {
    const lim = { momentum: [0, 0.999, false], decay_epochs: [1, 100000, true] };
    for (const [k, [lo, hi, integer]] of Object.entries(lim)) {
      if (!(k in patch)) continue;
      const v = patch[k];
      if (!Number.isFinite(v)) return { field: k, code: "not_number", params: { value: String(v) } };
      if (integer && !Number.isInteger(v)) return { field: k, code: "not_integer", params: { value: String(v) } };
      if (v < lo || v > hi) return { field: k, code: "out_of_range", params: { min: lo, max: hi, value: String(v) } };
    }
    const next = Object.assign({}, page.config, patch);
    if (next.batch_norm && next.batch_size < 2) {
      return { field: "batch_norm" in patch ? "batch_norm" : "batch_size", code: "batch_norm_batch_size", params: {} };
    }
    return null;
  }
  function changed(patch, field, immediate) {
    const err = localError(patch);
    if (err) { showFieldError(err.field, err); syncControls(true); return; }
    clearFieldError(field);
    Object.assign(page.config, patch);
    page.touched = field;
    syncControls();
    clearTimeout(sendTimer);
    sendTimer = setTimeout(() => { sendTimer = null; sendConfig(); }, immediate ? 0 : 150);
  }
  function sendConfig() {
    if (page.inflight) { page.queued = true; return page.inflight; }
    const cfg = JSON.parse(JSON.stringify(page.config));
    const field = page.touched;
    page.inflight = (async () => {
      try {
        const state = await postJSON(api("config"), cfg);
        clearNotice("field");
        accept(state, true);
      } catch (err) {
        refused(err, field);
      } finally {
        page.inflight = null;
      }
      if (page.queued) { page.queued = false; await sendConfig(); }
    })();
    return page.inflight;
  }
  function refused(err, field) {
    const body = err.body || { error: err.message };
    if (err.status === 404 && body.code === "unknown_session") { recreate(); return; }
    const fields = (body.params && body.params.fields) || [];
    const at = fields.includes(field) ? field : (body.field || null);
    if (at) showFieldError(at, body); else showNotice(errorText(body), "error", "field");
    // Back to what the server has: the controls never show a configuration it refused.
    if (page.state) { page.config = JSON.parse(JSON.stringify(page.state.config)); syncControls(true); writeURL(); }
  }

  // Take a state from the server as the truth. `full` answers (config, control, upload,
  // edit) replace whatever a poll in flight will bring.
  function accept(state, full) {
    if (full) page.truthSeq += 1;
    if (state.points) { page.points = state.points; page.dataVersion = state.data_version; }
    const previous = page.state;
    if (previous && !state.neurons && previous.neurons && previous.revision === state.revision) state.neurons = previous.neurons;
    page.state = state;
    // The controls follow the server, unless a newer change of the user's is on its way.
    if (!page.queued && !sendTimer) page.config = JSON.parse(JSON.stringify(state.config));
    syncControls();
    writeURL();
    render(state);
  }

  // The server forgot this tab (restarted, or a new tab took its place): start it again
  // from the configuration shown, uploaded data included.
  let recreating = null;
  function recreate() {
    if (recreating) return recreating;
    recreating = (async () => {
      const cfg = JSON.parse(JSON.stringify((page.state && page.state.config) || page.config));
      try {
        if (cfg.dataset === "upload" && page.uploadText !== null) {
          await postJSON(api("config"), Object.assign({}, cfg, { dataset: "circle", problem: "auto", n_classes: 2 }));
          await postJSON(api("upload"), { csv: page.uploadText, name: page.uploadName });
        } else if (cfg.dataset === "upload") {
          cfg.dataset = "circle"; cfg.problem = "auto"; cfg.n_classes = 2;
        }
        const state = await postJSON(api("config"), cfg);
        page.truthSeq += 1; page.state = null; page.dataVersion = null;
        accept(state, true);
        showNotice(t("session_restarted"), "info", "server");
      } catch (err) { showNotice(errorText(err.body || { error: err.message }), "error"); }
      recreating = null;
    })();
    return recreating;
  }

  // -- controls ----------------------------------------------------------------------------------
  function ensureOption(el, value) {
    if (![...el.options].some((o) => o.value === String(value))) {
      const o = document.createElement("option"); o.value = o.textContent = String(value); el.appendChild(o);
    }
  }
  function syncControls(force) {
    const c = page.config;
    if (!c || !page.catalog) return;
    for (const id of ["optimizer", "schedule", "initializer", "regularization", "problem"]) {
      if (c[id] !== undefined) $(id).value = c[id];
    }
    for (const id of ["learning_rate", "reg_rate", "dropout"]) { ensureOption($(id), c[id]); $(id).value = String(c[id]); }
    // Not while someone types in them (a poll would overwrite half a number).
    if (force || document.activeElement !== $("momentum")) $("momentum").value = c.momentum;
    if (force || document.activeElement !== $("decay_epochs")) $("decay_epochs").value = c.decay_epochs;
    $("batch_norm").checked = !!c.batch_norm;
    ensureOption($("n_classes"), c.n_classes);
    $("n_classes").value = String(c.n_classes);
    const multi = page.catalog.multiclass_datasets.includes(c.dataset);
    const uploaded = c.dataset === "upload" && page.state && page.state.natural_problem === "classification";
    $("classes-box").hidden = !(multi || uploaded) || page.hidden.has("n_classes");
    $("n_classes").disabled = !multi;
    $("n_classes").title = multi ? "" : t("classes_from_data");
    $("train_ratio").value = Math.round(c.train_ratio * 100);
    $("train_ratio_out").textContent = `${Math.round(c.train_ratio * 100)}%`;
    $("noise").value = Math.round(c.noise * 100);
    $("noise_out").textContent = Math.round(c.noise * 100);
    $("batch_size").min = c.batch_norm ? 2 : 1;
    $("batch_size").value = c.batch_size;
    $("batch_size_out").textContent = c.batch_size;
    $("n_samples").value = c.n_samples;
    $("n_samples_out").textContent = c.n_samples;
    $("n_samples").disabled = c.dataset === "upload";
    $("noise").disabled = c.dataset === "upload";
    $("show_test").checked = page.showTest;
    $("discretize").checked = page.discretize;
    $("momentum-box").hidden = !["momentum", "nesterov"].includes(c.optimizer) || page.hidden.has("momentum");
    $("decay-box").hidden = ["constant", "invscaling"].includes(c.schedule) || page.hidden.has("schedule");
    $("reg-rate-box").hidden = c.regularization === "none" || page.hidden.has("regularization");
    $("n-layers").textContent = c.hidden.length;
    document.querySelectorAll(".dataset").forEach((b) => {
      b.classList.toggle("selected", b.dataset.name === c.dataset);
      b.setAttribute("aria-pressed", b.dataset.name === c.dataset ? "true" : "false");
    });
    document.querySelectorAll(".feature").forEach((b) => b.classList.toggle("selected", c.features.includes(b.dataset.name)));
    document.querySelectorAll(".layer-activation").forEach((sel) => {
      const l = Number(sel.dataset.layer);
      if (c.activations[l] !== undefined) sel.value = c.activations[l];
    });
  }
  // Classroom mode: hide what the teacher chose. Boxes that also depend on the
  // configuration (momentum, decay epochs, reg. rate, classes) are left to syncControls.
  const SYNCED_BOXES = new Set(["momentum-box", "decay-box", "reg-rate-box", "classes-box"]);
  function applyHidden() {
    document.querySelectorAll("[data-hide-key]").forEach((el) => {
      if (!SYNCED_BOXES.has(el.id)) el.hidden = page.hidden.has(el.dataset.hideKey);
    });
    syncControls();
    page.structure = "";
    if (page.state) render(page.state);
  }

  function bindControls() {
    const num = (id, scale, field) => $(id).addEventListener("input", () => changed({ [field || id]: Number($(id).value) / (scale || 1) }, field || id));
    num("train_ratio", 100); num("noise", 100); num("batch_size"); num("n_samples");
    for (const id of ["optimizer", "schedule", "initializer", "regularization", "problem"]) {
      $(id).addEventListener("change", () => changed({ [id]: $(id).value }, id, true));
    }
    for (const id of ["learning_rate", "reg_rate", "dropout", "n_classes"]) {
      $(id).addEventListener("change", () => changed({ [id]: Number($(id).value) }, id, true));
    }
    for (const id of ["momentum", "decay_epochs"]) {
      const el = $(id);
      const commit = () => {
        const raw = el.value.trim();
        const v = raw === "" ? NaN : Number(raw);
        if (page.state && v === page.state.config[id]) { clearFieldError(id); return; }
        changed({ [id]: v }, id, true);
      };
      el.addEventListener("change", commit);
      el.addEventListener("keydown", (ev) => { if (ev.key === "Enter") { ev.preventDefault(); commit(); } });
      el.addEventListener("blur", () => { if (page.state) syncControls(); });
    }
    $("batch_norm").addEventListener("change", () => changed({ batch_norm: $("batch_norm").checked }, "batch_norm", true));
    $("show_test").addEventListener("change", () => { page.showTest = $("show_test").checked; writeURL(); drawHeatmap(page.state); });
    $("discretize").addEventListener("change", () => { page.discretize = $("discretize").checked; writeURL(); drawHeatmap(page.state); });
    $("regenerate").addEventListener("click", () => changed({ seed: Math.floor(Math.random() * 2 ** 31) }, "seed", true));
    $("add-layer").addEventListener("click", () => {
      const c = page.config;
      if (c.hidden.length >= page.catalog.limits.max_hidden_layers) return;
      changed({ hidden: [...c.hidden, 4], activations: [...c.activations, c.activations.at(-1) || "tanh"] }, "hidden", true);
    });
    $("remove-layer").addEventListener("click", () => {
      const c = page.config;
      if (!c.hidden.length) return;
      changed({ hidden: c.hidden.slice(0, -1), activations: c.activations.slice(0, -1) }, "hidden", true);
    });
    $("play").addEventListener("click", () => control(page.state && page.state.playing ? "pause" : "play"));
    $("step").addEventListener("click", () => control("step"));
    $("reset").addEventListener("click", () => control("reset"));
    $("lang").addEventListener("change", () => {
      page.lang = $("lang").value; localStorage.setItem("mlplab-playground-lang", page.lang); applyLanguage(); writeURL();
    });
    $("upload").addEventListener("change", async () => {
      const file = $("upload").files[0];
      if (!file) return;
      clearFieldError("upload");
      if (file.size > page.catalog.limits.max_body - 1024) {
        showFieldError("upload", { code: "too_large", params: { max: page.catalog.limits.max_body } });
        $("upload").value = ""; return;
      }
      const text = await file.text();
      if (page.inflight) await page.inflight;
      try {
        const state = await postJSON(api("upload"), { csv: text, name: file.name });
        page.uploadText = text; page.uploadName = file.name;
        $("upload-name").textContent = file.name;
        page.queued = false; clearTimeout(sendTimer); sendTimer = null;
        accept(state, true);
        clearNotice();
        buildDatasets();
      } catch (err) { showFieldError("upload", err.body || { error: err.message }); }
      $("upload").value = "";
    });
    $("export-model").addEventListener("click", () => download(api("export/model")));
    $("export-code").addEventListener("click", () => download(api("export/code")));
    const copy = async () => {
      try { await navigator.clipboard.writeText(location.href); } catch (e) { /* not allowed: the URL bar has it */ }
      showNotice(t("copied"), "info");
    };
    $("copy-link").addEventListener("click", copy);
    $("classroom-copy").addEventListener("click", copy);
    $("classroom-open").addEventListener("click", () => { buildClassroom(); $("classroom").showModal(); });
    // The weight and bias editor
    $("editor-ok").addEventListener("click", submitEdit);
    $("editor-cancel").addEventListener("click", closeEditor);
    $("editor-value").addEventListener("keydown", (ev) => {
      if (ev.key === "Enter") { ev.preventDefault(); submitEdit(); }
      if (ev.key === "Escape") closeEditor();
    });
  }
  function download(url) {
    const a = document.createElement("a"); a.href = url; a.download = ""; document.body.appendChild(a); a.click(); a.remove();
  }
  async function control(action) {
    page.controls += 1;  // on its way until its reply is drawn (see page.idle)
    try {
      if (sendTimer) { clearTimeout(sendTimer); sendTimer = null; await sendConfig(); }
      if (page.inflight) await page.inflight;
      const state = await postJSON(api("control"), { action });
      if (action !== "pause") clearNotice("server");
      accept(state, true);
    } catch (err) {
      if (err.status === 404) { await recreate(); return; }
      showNotice(errorText(err.body || { error: err.message }), "error");
    } finally {
      page.controls -= 1;
    }
  }

  // -- classroom mode ----------------------------------------------------------------------------
  function buildClassroom() {
    const box = $("classroom-keys"); box.innerHTML = "";
    for (const [key, label] of Object.entries(HIDE_KEYS)) {
      const l = document.createElement("label");
      const cb = document.createElement("input");
      cb.type = "checkbox"; cb.checked = page.hidden.has(key);
      cb.setAttribute("data-testid", `hide-${key}`);
      cb.addEventListener("change", () => {
        if (cb.checked) page.hidden.add(key); else page.hidden.delete(key);
        applyHidden(); writeURL();
      });
      const span = document.createElement("span"); span.textContent = t(label);
      l.append(cb, span); box.appendChild(l);
    }
  }

  // -- dataset and feature pickers ---------------------------------------------------------------
  function sketchDataset(name, n) {
    // A few deterministic points that show each dataset's shape (the real data comes from the server).
    let s = 7; const rnd = () => ((s = (s * 16807) % 2147483647) / 2147483647);
    const pts = [];
    for (let i = 0; i < n; i++) {
      const x = rnd() * 12 - 6, y = rnd() * 12 - 6, r = Math.hypot(x, y);
      let v;
      if (name === "circle") v = r < 3 ? 1 : 0;
      else if (name === "xor") v = x * y > 0 ? 1 : 0;
      else if (name === "gauss") v = x + y > 0 ? 1 : 0;
      else if (name === "spiral") { const a = Math.atan2(y, x) - r * 1.1; v = Math.floor((((a % (2 * Math.PI)) + 4 * Math.PI) % (2 * Math.PI)) / Math.PI); }
      else if (name === "moons") v = y > 1.5 * Math.sin(x / 2) ? 1 : 0;
      else if (name === "checkerboard") v = (Math.floor(x / 3) + Math.floor(y / 3)) & 1;
      else if (name === "reg-plane") v = (x + y) / 12 + 0.5;
      else v = Math.exp(-((Math.abs(x) - 3) ** 2 + (Math.abs(y) - 3) ** 2) / 4);
      if (name === "gauss" && Math.hypot(x - (v ? 3 : -3), y - (v ? 3 : -3)) > 2.5) continue;
      pts.push([x, y, v]);
    }
    return pts;
  }
  function datasetTile(name, draw) {
    const b = document.createElement("button");
    b.className = "dataset"; b.dataset.name = name;
    b.setAttribute("data-testid", `dataset-${name}`); b.title = t(`ds-${name}`);
    b.setAttribute("aria-label", t(`ds-${name}`));
    const c = document.createElement("canvas"); c.width = c.height = 40;
    const g = c.getContext("2d"); g.fillStyle = "#f7f7f7"; g.fillRect(0, 0, 40, 40);
    draw(g);
    b.appendChild(c);
    b.addEventListener("click", () => changed({ dataset: name }, "dataset", true));
    return b;
  }
  function buildDatasets() {
    const box = $("datasets"); box.innerHTML = "";
    for (const name of page.catalog.datasets) {
      box.appendChild(datasetTile(name, (g) => {
        for (const [x, y, v] of sketchDataset(name, 220)) {
          g.fillStyle = name.startsWith("reg") ? rgb(colorScale(2 * v - 1)) : PALETTE[v ? 1 : 0];
          g.fillRect((x + 6) / 12 * 38, (6 - y) / 12 * 38, 2, 2);
        }
      }));
    }
    // The uploaded data get a tile of their own, drawn from the points themselves.
    if (page.state && page.state.upload_name !== null && page.uploadPoints) {
      const P = page.uploadPoints;
      box.appendChild(datasetTile("upload", (g) => {
        for (const split of ["train", "test"]) {
          P[split].x.forEach(([a, b], i) => {
            const v = P[split].y[i];
            g.fillStyle = P.problem === "regression" ? rgb(colorScale(v / P.scale)) : PALETTE[v % PALETTE.length];
            g.fillRect((a + 6) / 12 * 38, (6 - b) / 12 * 38, 2, 2);
          });
        }
      }));
    }
    syncControls();
  }
  const FEATURE_FN = {
    x1: (a) => a, x2: (a, b) => b, x1sq: (a) => a * a, x2sq: (a, b) => b * b,
    x1x2: (a, b) => a * b, sinx1: (a) => Math.sin(a), sinx2: (a, b) => Math.sin(b),
  };
  function featureMap(name, n) {
    const vals = [];
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) vals.push(FEATURE_FN[name](-6 + 12 * j / (n - 1), 6 - 12 * i / (n - 1)));
    const m = Math.max(...vals.map(Math.abs)) || 1;
    return { values: vals.map((v) => v / m), max: m };
  }
  function buildFeatures() {
    const box = $("features"); box.innerHTML = "";
    for (const [name, label] of Object.entries(page.catalog.features)) {
      const b = document.createElement("button");
      b.className = "feature"; b.dataset.name = name; b.setAttribute("data-testid", `feature-${name}`);
      b.title = `${t("in_")}: ${label}`;
      const c = document.createElement("canvas"); c.width = c.height = 20;
      paintGrid(c, featureMap(name, 20).values, 20);
      const span = document.createElement("span"); span.textContent = label;
      b.append(c, span);
      b.addEventListener("click", () => {
        const f = page.config.features;
        const next = f.includes(name) ? f.filter((x) => x !== name) : [...f, name];
        if (next.length) changed({ features: next }, "features", true);
        else showFieldError("features", { code: "features_empty", params: {} });
      });
      box.appendChild(b);
    }
    syncControls();
  }

  // -- colours ----------------------------------------------------------------------------------
  function colorScale(v) {  // v in [-1, 1]: orange - grey - blue
    v = Math.max(-1, Math.min(1, v || 0));
    const end = v < 0 ? NEG : POS, a = Math.abs(v);
    return [0, 1, 2].map((k) => Math.round(MID[k] + (end[k] - MID[k]) * a));
  }
  const rgb = (c) => `rgb(${c[0]},${c[1]},${c[2]})`;
  function hexRGB(h) { return [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)); }
  const pale = (c) => c.map((v) => Math.round(v + (255 - v) * 0.25));
  function classColor(k, p) {  // class k's colour at strength p in [0, 1]
    const base = hexRGB(PALETTE[k % PALETTE.length]);
    return base.map((v, c) => Math.round(MID[c] + (v - MID[c]) * p));
  }
  function paintGrid(canvas, values, n, colorOf) {
    const g = canvas.getContext("2d");
    const img = g.createImageData(n, n);
    for (let i = 0; i < n * n; i++) {
      const c = colorOf ? colorOf(i) : colorScale(values[i]);
      img.data[4 * i] = c[0]; img.data[4 * i + 1] = c[1]; img.data[4 * i + 2] = c[2]; img.data[4 * i + 3] = 255;
    }
    if (canvas.width !== n) { canvas.width = canvas.height = n; }
    g.putImageData(img, 0, 0);
  }
  // Base64 unsigned integers (8 or 16 bits) over [lo, hi] back to numbers.
  function decode(b64, lo, hi, bits) {
    const s = atob(b64);
    const top = bits === 16 ? 65535 : 255, n = bits === 16 ? s.length / 2 : s.length;
    const out = new Float32Array(n), span = hi - lo;
    for (let i = 0; i < n; i++) {
      const q = bits === 16 ? s.charCodeAt(2 * i) | (s.charCodeAt(2 * i + 1) << 8) : s.charCodeAt(i);
      out[i] = lo + span * q / top;
    }
    return out;
  }

  // -- tooltip -------------------------------------------------------------------------------------
  const tip = $("tooltip");
  function showTip(ev, text) {
    tip.textContent = text; tip.hidden = false;
    tip.style.left = `${Math.min(ev.pageX + 12, window.scrollX + document.documentElement.clientWidth - 330)}px`;
    tip.style.top = `${ev.pageY + 14}px`;
  }
  document.addEventListener("mousemove", (ev) => {
    if (page.editing) { tip.hidden = true; return; }
    const el = ev.target.closest && ev.target.closest("[data-tip]");
    if (el) showTip(ev, el.dataset.tip);
    else if (!ev.target.closest || !ev.target.closest("#heatmap, #loss-chart")) tip.hidden = true;
  });

  // -- rendering --------------------------------------------------------------------------------
  const fmt = (v, d = 3) => (v === null || v === undefined ? "–" : Number(v).toFixed(d));
  function renderLive(state) {
    $("epoch").textContent = String(state.epoch).padStart(6, "0");
    $("eps").textContent = state.playing && state.epochs_per_s !== null ? t("eps", { n: fmt(state.epochs_per_s, 1) }) : "";
    $("play").classList.toggle("playing", !!state.playing);
    $("play").title = state.playing ? t("pause") : t("play");
    renderNotices(state);
  }
  function render(state) {
    if (!state || !state.config) return;
    renderLive(state);
    const m = state.metrics;
    $("train-loss").textContent = fmt(m.train_loss); $("test-loss").textContent = fmt(m.test_loss);
    $("train-score").textContent = fmt(m.train_score); $("test-score").textContent = fmt(m.test_score);
    $("score-name").textContent = t(m.score_name);
    $("score-name").dataset.i18n = m.score_name;
    $("loss-name").textContent = `${optionLabel("act", state.output_activation)} + ${t(`loss-${state.loss_name}`)}`;
    $("lr-now").textContent = state.learning_rate;
    if (state.config.dataset === "upload" && page.points && page.points.version === state.data_version) {
      const stale = !page.uploadPoints || page.uploadPoints.version !== page.points.version;
      if (stale) {
        page.uploadPoints = Object.assign({ problem: state.problem, scale: regressionScale() }, page.points);
        buildDatasets();
      }
    }
    drawNetwork(state);
    drawHeatmap(state);
    drawLossChart(state);
    drawDiagnostics(state);
  }
  function renderNotices(state) {
    const el = $("notice");
    const n = state.notice;
    if (n && n.code === "diverged") showNotice(t("diverged", { epoch: n.epoch }), "warning", "server");
    else if (n && n.code === "unwatched") showNotice(t("unwatched", { epoch: n.epoch }), "info-keep", "server");
    else if (n && n.code === "internal") showNotice(t("err-internal"), "error", "server");
    else if (state.warnings && state.warnings.length) showNotice(t(`warn-${state.warnings[0]}`), "warning", "server");
    else if (el.dataset.source === "server" && el.className !== "info") clearNotice("server");
  }

  function drawNetwork(state) {
    const net = $("network"), svg = $("links"), cfg = state.config;
    const nOut = state.weights.at(-1).biases.length;
    const cols = [cfg.features, ...cfg.hidden.map((h) => Array(h).fill(0)), Array(nOut).fill(0)];
    const editable = !page.hidden.has("edit_weights");
    const key = JSON.stringify([cfg.features, cfg.hidden, cfg.activations, nOut, page.lang, state.problem, state.n_classes, editable, [...page.hidden]]);
    const NODE = 34, GAP = 10, TOP = 60;
    const width = Math.max(net.clientWidth, 260);
    const spacing = (width - 24 - NODE) / Math.max(1, cols.length - 1);
    const x = (c) => 12 + c * spacing;
    const y = (i) => TOP + i * (NODE + GAP);
    if (key !== page.structure) {
      page.structure = key;
      net.querySelectorAll(".node, .layer-ctl, .bias").forEach((el) => el.remove());
      const height = TOP + Math.max(...cols.map((c) => c.length)) * (NODE + GAP) + 4;
      net.style.height = `${height}px`;
      svg.setAttribute("width", width); svg.setAttribute("height", height);
      cols.forEach((col, c) => {
        col.forEach((_, i) => {
          const d = document.createElement("canvas");
          d.className = "node"; d.width = d.height = state.thumb_size;
          d.style.left = `${x(c)}px`; d.style.top = `${y(i)}px`;
          d.dataset.col = c; d.dataset.row = i;
          d.setAttribute("data-testid", `node-${c}-${i}`);
          if (c === 0) {
            paintGrid(d, featureMap(cfg.features[i], 20).values, 20);
            d.dataset.tip = `${t("in_")}: ${page.catalog.features[cfg.features[i]]}`;
          }
          d.addEventListener("mouseenter", () => setHover([c, i]));
          d.addEventListener("mouseleave", () => setHover(null));
          net.appendChild(d);
          if (c > 0) {
            const b = document.createElement("button");
            b.className = "bias"; b.setAttribute("data-testid", `bias-${c - 1}-${i}`);
            b.style.left = `${x(c) + 1}px`; b.style.top = `${y(i) + NODE - 10}px`;
            b.dataset.layer = c - 1; b.dataset.unit = i;
            b.disabled = !editable;
            b.addEventListener("click", (ev) => {
              const w = page.state.weights[c - 1];
              openEditor({ kind: "bias", layer: c - 1, target: i, value: w.biases[i] }, ev);
            });
            net.appendChild(b);
          }
        });
        if (c > 0 && c < cols.length - 1) {
          const l = c - 1, box = document.createElement("div");
          const w = Math.max(34, Math.min(84, spacing - 4));
          box.className = "layer-ctl"; box.style.left = `${x(c) + NODE / 2 - w / 2}px`; box.style.width = `${w}px`;
          if (!page.hidden.has("layers")) {
            const plus = document.createElement("button"), minus = document.createElement("button");
            plus.textContent = "+"; minus.textContent = "−";
            plus.title = t("add_neuron"); minus.title = t("remove_neuron");
            plus.setAttribute("data-testid", `add-neuron-${l}`); minus.setAttribute("data-testid", `remove-neuron-${l}`);
            const resize = (delta) => {
              const h = [...page.config.hidden];
              h[l] = Math.max(1, Math.min(page.catalog.limits.max_units, h[l] + delta));
              changed({ hidden: h }, "hidden", true);
            };
            plus.onclick = () => resize(1); minus.onclick = () => resize(-1);
            box.append(plus, minus);
          }
          const label = document.createElement("span");
          label.className = "units";
          label.textContent = w >= 70 ? `${cfg.hidden[l]} ${t("neurons")}` : String(cfg.hidden[l]);
          label.title = `${cfg.hidden[l]} ${t("neurons")}`;
          box.append(label);
          if (!page.hidden.has("activations")) {
            const sel = document.createElement("select");
            sel.className = "layer-activation"; sel.setAttribute("data-testid", `activation-${l}`);
            sel.dataset.layer = l;
            sel.style.width = `${w}px`;
            sel.title = t("activation");
            fillSelect(sel, page.catalog.activations, (v) => optionLabel("act", v));
            sel.value = cfg.activations[l];
            sel.onchange = () => { const a = [...page.config.activations]; a[l] = sel.value; changed({ activations: a }, "activations", true); };
            box.append(sel);
          }
          net.appendChild(box);
        }
      });
    }
    // thumbnails and biases
    const multiclass = state.problem === "classification" && state.n_classes > 2;
    if (state.neurons) {
      state.neurons.forEach((col, l) => col.forEach((nrn, i) => {
        const d = net.querySelector(`canvas.node[data-col="${l + 1}"][data-row="${i}"]`);
        if (!d) return;
        const out = l === state.neurons.length - 1;
        const vals = decode(nrn.data, nrn.lo, nrn.hi, 8);
        const n = state.thumb_size;
        paintGrid(d, null, n, nodeColor(vals, nrn, out, i, state));
        const w = state.weights[l];
        const where = out ? (multiclass ? `${t("output_layer")}, ${t("class_n", { k: i })}` : t("output_layer"))
          : `${t("layer")} ${l + 1}, ${t("neuron")} ${i + 1}`;
        d.dataset.tip = `${where} · ${t("bias")} ${fmt(w.biases[i], 3)} · ${t("range")} ${fmt(nrn.min, 2)} … ${fmt(nrn.max, 2)}`;
      }));
    }
    state.weights.forEach((w, l) => w.biases.forEach((v, i) => {
      const b = net.querySelector(`.bias[data-layer="${l}"][data-unit="${i}"]`);
      if (!b) return;
      const mx = Math.max(1e-9, ...w.biases.map((u) => Math.abs(u || 0)));
      b.style.background = rgb(colorScale((v || 0) / mx));
      b.dataset.tip = `${t("bias")} ${fmt(v, 4)}${editable ? ` · ${t("click_to_edit")}` : ""}`;
    }));
    // links: a thin visible path and a wide invisible one to click
    const parts = [];
    const names = (c, i) => (c === 0 ? page.catalog.features[cfg.features[i]] : (c === cols.length - 1 ? `${t("output_layer")} #${i + 1}` : `${t("layer")} ${c} #${i + 1}`));
    state.weights.forEach((w, l) => {
      let mx = 0;
      w.weights.forEach((row) => row.forEach((v) => { mx = Math.max(mx, Math.abs(v || 0)); }));
      w.weights.forEach((row, i) => row.forEach((v, j) => {
        const x1 = x(l) + NODE, y1 = y(i) + NODE / 2, x2 = x(l + 1), y2 = y(j) + NODE / 2;
        const width = 0.4 + 5 * Math.abs(v || 0) / (mx || 1);
        const color = rgb(colorScale((v || 0) / (mx || 1)));
        const mxm = (x1 + x2) / 2;
        const d = `M${x1.toFixed(1)},${y1.toFixed(1)} C${mxm.toFixed(1)},${y1.toFixed(1)} ${mxm.toFixed(1)},${y2.toFixed(1)} ${x2.toFixed(1)},${y2.toFixed(1)}`;
        const tipText = `${t("weight")} ${names(l, i)} → ${names(l + 1, j)}: ${fmt(v, 4)}${editable ? ` · ${t("click_to_edit")}` : ""}`;
        parts.push(`<path d="${d}" stroke="${color}" stroke-width="${width.toFixed(2)}" fill="none"/>`);
        if (editable) parts.push(`<path class="hit" d="${d}" stroke="#000" stroke-opacity="0" stroke-width="7" fill="none" data-layer="${l}" data-source="${i}" data-target="${j}" data-testid="link-${l}-${i}-${j}" data-tip="${escapeAttr(tipText)}"/>`);
      }));
    });
    svg.innerHTML = parts.join("");
  }
  function escapeAttr(s) { return String(s).replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;"); }
  $("links").addEventListener("click", (ev) => {
    const p = ev.target.closest("path.hit");
    if (!p) return;
    const l = Number(p.dataset.layer), i = Number(p.dataset.source), j = Number(p.dataset.target);
    openEditor({ kind: "weight", layer: l, source: i, target: j, value: page.state.weights[l].weights[i][j] }, ev);
  });
  // The colour of a neuron's thumbnail cell: hidden units and a regression output on the
  // orange-blue scale of their own range, a sigmoid output as p(class 1), each softmax
  // output in its class's colour.
  function nodeColor(vals, nrn, out, unit, state) {
    if (!out) { const m = Math.max(Math.abs(nrn.lo), Math.abs(nrn.hi)) || 1; return (i) => colorScale(vals[i] / m); }
    if (state.problem === "regression") { const s = regressionScale(); return (i) => colorScale(vals[i] / s); }
    if (state.n_classes > 2) return (i) => classColor(unit, vals[i]);
    return (i) => colorScale(2 * vals[i] - 1);
  }

  // -- the weight and bias editor ------------------------------------------------------------
  function openEditor(target, ev) {
    if (page.hidden.has("edit_weights")) return;
    page.editing = target;
    const cfg = page.state.config, nLayers = cfg.hidden.length + 1;
    const unit = (l, i) => (l === nLayers - 1 ? `${t("output_layer")} #${i + 1}` : `${t("layer")} ${l + 1} #${i + 1}`);
    const from = (l, i) => (l === 0 ? page.catalog.features[cfg.features[i]] : unit(l - 1, i));
    $("editor-label").textContent = target.kind === "weight"
      ? `${t("weight")} ${from(target.layer, target.source)} → ${unit(target.layer, target.target)}`
      : `${t("bias")} ${unit(target.layer, target.target)}`;
    const ed = $("editor");
    $("editor-value").value = target.value;
    $("editor-error").hidden = true;
    ed.hidden = false;
    ed.style.left = `${Math.min(ev.pageX + 8, window.scrollX + document.documentElement.clientWidth - 200)}px`;
    ed.style.top = `${ev.pageY + 8}px`;
    tip.hidden = true;
    $("editor-value").focus(); $("editor-value").select();
  }
  function closeEditor() { $("editor").hidden = true; page.editing = null; }
  async function submitEdit() {
    const target = page.editing; if (!target) return;
    const v = Number($("editor-value").value.trim() === "" ? NaN : $("editor-value").value);
    const lim = page.catalog.limits.max_edit;
    const bad = !Number.isFinite(v) ? { code: "not_number", field: "value", params: { value: $("editor-value").value } }
      : (Math.abs(v) > lim ? { code: "out_of_range", field: "value", params: { min: -lim, max: lim, value: String(v) } } : null);
    if (bad) { $("editor-error").textContent = errorText(bad); $("editor-error").hidden = false; return; }
    const body = Object.assign({}, target, { value: v });
    if (body.kind === "bias") delete body.source;
    try {
      const state = await postJSON(api("edit"), body);
      closeEditor();
      accept(state, true);
    } catch (err) {
      $("editor-error").textContent = errorText(err.body || { error: err.message });
      $("editor-error").hidden = false;
    }
  }

  // -- the big map: the output, or the neuron under the mouse ----------------------------------
  let hoverTimer = null;
  function setHover(h) {
    page.hover = h;
    document.querySelectorAll(".node.hovered").forEach((el) => el.classList.remove("hovered"));
    if (h) {
      const el = document.querySelector(`canvas.node[data-col="${h[0]}"][data-row="${h[1]}"]`);
      if (el) el.classList.add("hovered");
    }
    page.hoverMap = null;
    clearTimeout(hoverTimer);
    if (h && h[0] > 0) hoverTimer = setTimeout(fetchHover, 30);
    drawHeatmap(page.state);
  }
  async function fetchHover() {
    const h = page.hover; if (!h || h[0] === 0) return;
    try {
      const s = await request(`${api("state")}?thumbs=0&data_version=${page.dataVersion}&hover=${h[0] - 1},${h[1]}`);
      if (page.hover === h && s.hover) { page.hoverMap = s.hover; drawHeatmap(page.state); }
    } catch (err) { /* the next poll tries again */ }
  }
  function hoverValues(state) {
    const h = page.hover;
    if (!h) return null;
    const n = state.heatmap.size;
    if (h[0] === 0) {
      const f = state.config.features[h[1]];
      const fm = featureMap(f, n);
      return { values: fm.values.map((v) => v * fm.max), lo: -fm.max, hi: fm.max, output: false, unit: h[1], caption: `${t("in_")}: ${page.catalog.features[f]}` };
    }
    const hm = page.hoverMap;
    if (!hm || hm.layer !== h[0] - 1 || hm.unit !== h[1]) return null;
    const caption = hm.output ? `${t("output_layer")} #${hm.unit + 1}` : `${t("layer")} ${hm.layer + 1}, ${t("neuron")} ${hm.unit + 1}`;
    return { values: decode(hm.values, hm.lo, hm.hi, 16), lo: hm.lo, hi: hm.hi, output: hm.output, unit: hm.unit, caption };
  }

  function drawHeatmap(state) {
    if (!state || !state.heatmap) return;
    const canvas = $("heatmap"), g = canvas.getContext("2d"), hm = state.heatmap, n = hm.size;
    const off = document.createElement("canvas");
    const disc = page.discretize;
    const hv = hoverValues(state);
    let colorOf, legend;
    if (hv) {
      const m = Math.max(Math.abs(hv.lo), Math.abs(hv.hi)) || 1;
      if (hv.output && state.problem === "classification" && state.n_classes > 2) {
        colorOf = (i) => classColor(hv.unit, hv.values[i]);
        legend = { kind: "class", k: hv.unit, lo: 0, hi: 1 };
      } else if (hv.output && state.problem === "classification") {
        colorOf = (i) => colorScale(2 * hv.values[i] - 1);
        legend = { kind: "diverging", lo: 0, hi: 1 };
      } else if (hv.output) {
        const s = regressionScale();
        colorOf = (i) => colorScale(hv.values[i] / s);
        legend = { kind: "diverging", lo: -s, hi: s };
      } else {
        colorOf = (i) => colorScale(hv.values[i] / m);
        legend = { kind: "diverging", lo: -m, hi: m };
      }
      $("hover-caption").textContent = hv.caption; $("hover-caption").hidden = false;
    } else {
      $("hover-caption").hidden = true;
      if (hm.kind === "binary") {
        const p = decode(hm.values, hm.lo, hm.hi, 16);
        colorOf = disc ? (i) => (p[i] > 0.5 ? POS : NEG) : (i) => colorScale(2 * p[i] - 1);
        legend = { kind: "binary", lo: 0, hi: 1 };
      } else if (hm.kind === "multiclass") {
        const k = hm.classes, p = decode(hm.values, 0, 1, 8);
        colorOf = (i) => {
          let best = 0;
          for (let c = 1; c < k; c++) if (p[i * k + c] > p[i * k + best]) best = c;
          if (disc) return hexRGB(PALETTE[best % PALETTE.length]);
          const a = Math.max(0, (p[i * k + best] - 1 / k) / (1 - 1 / k));
          return classColor(best, 0.25 + 0.6 * a);
        };
        legend = { kind: "classes", k };
      } else {
        const v = decode(hm.values, hm.lo, hm.hi, 16), s = regressionScale();
        colorOf = disc ? (i) => (v[i] >= 0 ? POS : NEG) : (i) => colorScale(v[i] / s);
        legend = { kind: "diverging", lo: -s, hi: s };
      }
    }
    // The continuous map a little paler than the points, so that they show on it.
    const paint = disc ? colorOf : (i) => pale(colorOf(i));
    paintGrid(off, null, n, paint);
    g.imageSmoothingEnabled = !disc;
    g.drawImage(off, 0, 0, canvas.width, canvas.height);
    drawLegend(legend, state);
    const P = page.points;
    if (!P || P.version !== state.data_version) return;
    const toPx = (v) => (v + hm.extent) / (2 * hm.extent) * canvas.width;
    const sets = [["train", "#fff"]];
    if (page.showTest) sets.push(["test", "#000"]);
    const s = regressionScale();
    for (const [split, stroke] of sets) {
      const d = P[split];
      for (let i = 0; i < d.x.length; i++) {
        const [a, b] = d.x[i], v = d.y[i];
        g.beginPath(); g.arc(toPx(a), canvas.height - toPx(b), 2.6, 0, 2 * Math.PI);
        g.fillStyle = state.problem === "regression" ? rgb(colorScale(v / s)) : PALETTE[v % PALETTE.length];
        g.fill(); g.lineWidth = 1; g.strokeStyle = stroke; g.stroke();
      }
    }
  }
  function regressionScale() {
    const P = page.points;
    if (!P || !P.train.y.length) return 1;
    let m = 1e-9;
    for (const v of P.train.y) m = Math.max(m, Math.abs(v));
    return m;
  }
  // The colour legend under the map and the axis ticks around it.
  function drawLegend(legend, state) {
    const c = $("legend"), g = c.getContext("2d"), w = c.width, h = c.height;
    const ticks = $("legend-ticks"); ticks.innerHTML = "";
    const tick = (frac, text, align) => {
      const s = document.createElement("span"); s.textContent = text;
      s.style.left = `${(frac * 100).toFixed(1)}%`;
      s.style.transform = align === "end" ? "translateX(-100%)" : (align === "start" ? "none" : "translateX(-50%)");
      ticks.appendChild(s);
      return s;
    };
    if (legend.kind === "classes") {
      g.clearRect(0, 0, w, h);
      for (let k = 0; k < legend.k; k++) {
        g.fillStyle = rgb(page.discretize ? hexRGB(PALETTE[k % PALETTE.length]) : pale(classColor(k, 0.85)));
        g.fillRect(k * w / legend.k, 0, w / legend.k, h);
      }
      for (let k = 0; k < legend.k; k++) tick((k + 0.5) / legend.k, t("class_n", { k }));
      c.title = t("legend_classes");
      return;
    }
    for (let x = 0; x < w; x++) {
      const f = x / (w - 1);
      const col = legend.kind === "class" ? classColor(legend.k, f) : colorScale(2 * f - 1);
      g.fillStyle = rgb(page.discretize && !page.hover ? (f < 0.5 ? NEG : POS) : pale(col));
      g.fillRect(x, 0, 1, h);
    }
    const num = (v) => (Math.abs(v) >= 100 ? v.toExponential(1) : Number(v.toFixed(2)).toString());
    if (legend.kind === "binary") {
      tick(0, `0 · ${t("class_n", { k: 0 })}`, "start"); tick(0.5, "0.5"); tick(1, `${t("class_n", { k: 1 })} · 1`, "end");
      c.title = t("legend_binary");
    } else {
      tick(0, num(legend.lo), "start"); tick(0.5, num((legend.lo + legend.hi) / 2)); tick(1, num(legend.hi), "end");
      c.title = page.hover ? t("legend_neuron") : t("legend_regression");
    }
  }
  function drawAxes() {
    const xa = $("x-axis"), ya = $("y-axis");
    xa.innerHTML = ""; ya.innerHTML = "";
    for (let v = -6; v <= 6; v += 1) {
      const f = (v + 6) / 12;
      const ix = document.createElement("i"); ix.style.left = `${(f * 100).toFixed(2)}%`; xa.appendChild(ix);
      const iy = document.createElement("i"); iy.style.top = `${((1 - f) * 100).toFixed(2)}%`; ya.appendChild(iy);
      if (v % 2) continue;
      const sx = document.createElement("span"); sx.textContent = String(v); sx.style.left = `${(f * 100).toFixed(2)}%`; xa.appendChild(sx);
      const sy = document.createElement("span"); sy.textContent = String(v); sy.style.top = `${((1 - f) * 100).toFixed(2)}%`; ya.appendChild(sy);
    }
    xa.title = "x₁"; ya.title = "x₂";
  }
  $("heatmap").addEventListener("mousemove", (ev) => {
    const s = page.state; if (!s || !s.heatmap) return;
    const r = ev.target.getBoundingClientRect(), hm = s.heatmap, n = hm.size;
    const fx = (ev.clientX - r.left) / r.width, fy = (ev.clientY - r.top) / r.height;
    const j = Math.min(n - 1, Math.max(0, Math.floor(fx * n))), i = Math.min(n - 1, Math.max(0, Math.floor(fy * n)));
    const x1 = (-hm.extent + 2 * hm.extent * fx).toFixed(2), x2 = (hm.extent - 2 * hm.extent * fy).toFixed(2);
    const k = i * n + j;
    let val;
    if (hm.kind === "multiclass") {
      const p = decode(hm.values, 0, 1, 8), K = hm.classes;
      const probs = Array.from({ length: K }, (_, c) => `${t("class_n", { k: c })} ${p[k * K + c].toFixed(2)}`);
      val = probs.join(", ");
    } else if (hm.kind === "binary") {
      val = `p(${t("class_n", { k: 1 })}) = ${decode(hm.values, 0, 1, 16)[k].toFixed(3)}`;
    } else {
      val = `${t("prediction")} ${decode(hm.values, hm.lo, hm.hi, 16)[k].toFixed(3)}`;
    }
    showTip(ev, `x₁ = ${x1}, x₂ = ${x2} → ${val}`);
  });
  $("heatmap").addEventListener("mouseleave", () => { tip.hidden = true; });

  function drawLossChart(state) {
    const c = $("loss-chart"), g = c.getContext("2d"), h = state.history;
    g.clearRect(0, 0, c.width, c.height);
    const all = [...h.train, ...h.test].filter((v) => v !== null);
    c.title = t("loss_chart_tip");
    if (!all.length) return;
    const ymax = Math.max(...all) || 1, n = h.epoch.length, xmax = Math.max(1, h.epoch[n - 1]);
    const px = (e) => 2 + (c.width - 4) * e / xmax, py = (v) => c.height - 2 - (c.height - 4) * v / ymax;
    for (const [key, color] of [["train", "#999"], ["test", "#222"]]) {
      g.beginPath(); g.strokeStyle = color; g.lineWidth = 1.5;
      let started = false;
      h[key].forEach((v, i) => {
        if (v === null) { started = false; return; }
        if (started) g.lineTo(px(h.epoch[i]), py(v)); else { g.moveTo(px(h.epoch[i]), py(v)); started = true; }
      });
      g.stroke();
    }
  }
  $("loss-chart").addEventListener("mousemove", (ev) => {
    const s = page.state; if (!s) return;
    const h = s.history, r = ev.target.getBoundingClientRect(), n = h.epoch.length;
    if (!n) return;
    const e = (ev.clientX - r.left) / r.width * h.epoch[n - 1];
    let best = 0;
    h.epoch.forEach((v, i) => { if (Math.abs(v - e) < Math.abs(h.epoch[best] - e)) best = i; });
    showTip(ev, `${t("epoch")} ${h.epoch[best]}: ${t("train")} ${fmt(h.train[best])}, ${t("test")} ${fmt(h.test[best])}`);
  });
  $("loss-chart").addEventListener("mouseleave", () => { tip.hidden = true; });

  function drawDiagnostics(state) {
    const box = $("diagnostics");
    box.innerHTML = "";
    const row = (cells, cls) => {
      const d = document.createElement("div"); d.className = cls || "diag";
      d.append(...cells); box.appendChild(d);
    };
    const span = (text, cls, tipText) => {
      const s = document.createElement("span"); s.textContent = text || "";
      if (cls) s.className = cls;
      if (tipText) s.dataset.tip = tipText;
      return s;
    };
    const bar = (frac, cls, tipText) => {
      if (frac === null || frac === undefined) return span("–", "na");
      const s = span("", `bar ${cls}`, tipText), i = document.createElement("i");
      i.style.width = `${(100 * Math.max(0, Math.min(1, frac))).toFixed(1)}%`;
      s.appendChild(i); return s;
    };
    row([span(""), span(t("grad"), "", t("grad_tip")), span(t("dead"), "", t("dead_tip")), span(t("saturated"), "", t("saturated_tip"))], "diag head");
    (state.diagnostics || []).forEach((d, l) => {
      const name = l < state.diagnostics.length - 1 ? `${t("layer")} ${l + 1}` : t("output_layer");
      const g = d.grad_mean_abs;
      // log scale: 1e-8 -> 0%, 1 -> 100%
      const gw = g ? Math.max(0.02, Math.min(1, (Math.log10(g) + 8) / 8)) : 0;
      row([
        span(name, "lname"),
        bar(gw, "grad", `${t("grad")} = ${g} · max ${d.grad_max_abs} · ‖g‖₂ ${d.grad_l2}`),
        bar(d.dead_fraction, "dead", d.dead_fraction === null ? "" : `${t("dead")}: ${(100 * d.dead_fraction).toFixed(0)}%`),
        bar(d.saturated_fraction, "sat", d.saturated_fraction === null ? "" : `${t("saturated")}: ${(100 * d.saturated_fraction).toFixed(0)}%`),
      ]);
    });
  }

  // -- polling ---------------------------------------------------------------------------------
  // Nothing on its way to the server (for tests: then the controls must equal the state).
  page.idle = () => !sendTimer && !page.inflight && !page.queued && !page.controls && !recreating;
  async function poll() {
    const began = performance.now();
    let delay = 100;
    try {
      if (page.inflight) await page.inflight;
      if (recreating) await recreating;
      const seq = page.truthSeq;
      const hv = page.hover && page.hover[0] > 0 ? `&hover=${page.hover[0] - 1},${page.hover[1]}` : "";
      const q = page.dataVersion === null ? "" : `&data_version=${page.dataVersion}`;
      const rev = page.state ? `&revision=${page.state.revision}` : "";
      let state = await request(`${api("state")}?thumbs=1${q}${rev}${hv}`);
      const prev = page.state;
      if (state.unchanged) {  // the same pictures: only the live fields are new
        const { unchanged, ...live } = state;
        state = prev && prev.revision === state.revision ? Object.assign({}, prev, live) : null;
      }
      // Nothing newer came meanwhile (a reply to a change, or a later revision).
      if (state && seq === page.truthSeq && !page.inflight && !(prev && state.revision < prev.revision)) {
        const same = prev && state.revision === prev.revision && state.data_version === prev.data_version
          && JSON.stringify(state.config) === JSON.stringify(prev.config);
        if (state.hover && page.hover) page.hoverMap = state.hover;
        if (state.points) { page.points = state.points; page.dataVersion = state.data_version; }
        if (!same) accept(state, false);
        else {  // the same pictures: only the counters, the play button and the notices
          page.state = Object.assign(state, { neurons: state.neurons || prev.neurons });
          renderLive(state);
        }
      }
      // about 12 refreshes a second while playing, counting the request's own time
      delay = state && state.playing ? Math.max(10, 80 - (performance.now() - began)) : (state ? 400 : 50);
    } catch (err) {
      if (err.status === 404) await recreate();
      delay = 1000;
    }
    setTimeout(poll, delay);
  }

  // -- start -------------------------------------------------------------------------------------
  // The URL's configuration, less every field the server refuses (each error shown at its
  // control), so one bad value in a link does not throw the rest away.
  async function startSession(cfg) {
    for (let attempt = 0; attempt < 24; attempt++) {
      try {
        return await postJSON(api("config"), cfg);
      } catch (err) {
        const body = err.body || {};
        if (err.status !== 422) throw err;
        let fields = body.field ? [body.field] : [];
        if (body.code === "unknown_keys") fields = [];
        if (body.code === "batch_norm_batch_size") fields = ["batch_norm"];
        if (body.field === "activations" || body.field === "hidden") fields = ["hidden", "activations"];
        if (!fields.length) { showNotice(errorText(body), "error", "field"); cfg = JSON.parse(JSON.stringify(page.catalog.defaults)); continue; }
        page.startErrors.push([fields[0], body]);
        for (const f of fields) {
          if (f === "dataset") { cfg.dataset = page.catalog.defaults.dataset; delete cfg.problem; cfg.n_classes = 2; }
          else cfg[f] = page.catalog.defaults[f];
        }
      }
    }
    return postJSON(api("config"), page.catalog.defaults);
  }
  async function start() {
    const q = new URLSearchParams(location.search);
    // Nothing reads a string before the messages have arrived (i18n.js fetches them).
    [page.catalog] = await Promise.all([request("/api/catalog"), I18N_READY]);
    page.lang = q.get("lang") || localStorage.getItem("mlplab-playground-lang") || (navigator.language || "en").slice(0, 2);
    if (!I18N[page.lang]) page.lang = "en";
    // The language menu lists the table's languages, each by its own name.
    fillSelect($("lang"), Object.keys(I18N), (lang) => I18N[lang].language_name || lang);
    page.startErrors = [];
    fillOptions();
    page.config = configFromURL(page.catalog.defaults);
    bindControls();
    drawAxes();
    applyLanguage();
    applyHidden();
    let state;
    try {
      state = await startSession(JSON.parse(JSON.stringify(page.config)));
    } catch (err) {
      if (err.body && err.body.code === "no_upload") state = await startSession(Object.assign(page.config, { dataset: "circle", problem: "auto" }));
      else throw err;
    }
    accept(state, true);
    for (const [field, body] of page.startErrors) showFieldError(field, body);
    window.addEventListener("pagehide", () => fetch(`/api/session/${SID}`, { method: "DELETE", keepalive: true }).catch(() => {}));
    window.addEventListener("resize", () => { page.structure = ""; if (page.state) render(page.state); });
    page.ready = true;
    document.body.dataset.ready = "1";
    poll();
  }
  start().catch((err) => showNotice(errorText(err.body || { error: err.message }), "error"));
})();
