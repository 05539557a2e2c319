// mlplab playground page: controls, URL state, polling the server, drawing.
// Vanilla JS, no libraries. Training runs on the server; this page only draws.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const NEG = [245, 147, 34], POS = [8, 119, 189], MID = [232, 234, 235];
  const PALETTE = ["#f59322", "#0877bd", "#2ca02c", "#9467bd", "#d62728", "#8c564b", "#e377c2", "#17becf"];
  const LRS = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
  const REG_RATES = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
  const DROPOUTS = [0, 0.1, 0.2, 0.3, 0.5];
  // Short URL keys for every config field; `test` is the page's own.
  const URL_KEYS = {
    dataset: "ds", n_classes: "nc", n_samples: "n", noise: "noise", train_ratio: "ratio",
    batch_size: "bs", seed: "seed", features: "f", hidden: "h", activations: "a",
    optimizer: "opt", momentum: "mom", learning_rate: "lr", schedule: "sch",
    decay_epochs: "de", initializer: "init", regularization: "reg", reg_rate: "rr",
    dropout: "do", batch_norm: "bn",
  };
  const LISTS = new Set(["features", "hidden", "activations"]);

  const page = { catalog: null, config: null, state: null, lang: "en", showTest: false,
    dataVersion: null, points: null, structure: "", draws: [], sending: null };
  window.__playground = page;  // for tests and the curious

  // -- session id: one per tab ------------------------------------------------------------
  function sessionId() {
    let sid = sessionStorage.getItem("mlplab-playground-session");
    if (!sid) {
      sid = (window.crypto && crypto.randomUUID) ? crypto.randomUUID()
        : Array.from({ length: 32 }, () => Math.floor(Math.random() * 16).toString(16)).join("");
      sessionStorage.setItem("mlplab-playground-session", sid);
    }
    return sid;
  }
  const SID = sessionId();
  const api = (path) => `/api/session/${SID}/${path}`;

  async function request(url, options) {
    const res = await fetch(url, options);
    const body = res.headers.get("content-type")?.includes("json") ? await res.json() : await res.text();
    if (!res.ok) throw new Error((body && body.error) || `HTTP ${res.status}`);
    return body;
  }
  const postJSON = (url, data) => request(url, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(data) });

  // -- i18n ----------------------------------------------------------------------------------
  function t(key, params) {
    let s = (I18N[page.lang] && I18N[page.lang][key]) || I18N.en[key] || key;
    for (const [k, v] of Object.entries(params || {})) s = s.replace(`{${k}}`, v);
    return s;
  }
  function applyLanguage() {
    document.documentElement.lang = page.lang;
    document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
    document.querySelectorAll("[data-i18n-title]").forEach((el) => { el.title = t(el.dataset.i18nTitle); });
    $("lang").value = page.lang;
    if (page.catalog) { buildDatasets(); buildFeatures(); }
    if (page.state) { page.structure = ""; render(page.state); }
  }

  // -- URL <-> config --------------------------------------------------------------------------
  function configFromURL(defaults) {
    const q = new URLSearchParams(location.search);
    const cfg = JSON.parse(JSON.stringify(defaults));
    for (const [field, key] of Object.entries(URL_KEYS)) {
      if (!q.has(key)) continue;
      const raw = q.get(key);
      const def = defaults[field];
      if (LISTS.has(field)) {
        const parts = raw === "" ? [] : raw.split(",");
        cfg[field] = field === "hidden" ? parts.map(Number) : parts;
      } else if (typeof def === "boolean") cfg[field] = raw === "1" || raw === "true";
      else if (typeof def === "number") cfg[field] = Number(raw);
      else cfg[field] = raw;
    }
    page.showTest = q.get("test") === "1";
    return cfg;
  }
  function writeURL() {
    const q = new URLSearchParams();
    for (const [field, key] of Object.entries(URL_KEYS)) {
      const v = page.config[field];
      q.set(key, Array.isArray(v) ? v.join(",") : typeof v === "boolean" ? (v ? "1" : "0") : String(v));
    }
    if (page.showTest) q.set("test", "1");
    history.replaceState(null, "", `${location.pathname}?${q}`);
  }

  // -- notices -----------------------------------------------------------------------------------
  let noticeTimer = null;
  function showNotice(text, kind) {
    const el = $("notice");
    el.textContent = text;
    el.className = kind || "error";
    el.hidden = !text;
    clearTimeout(noticeTimer);
    if (kind === "info") noticeTimer = setTimeout(() => { el.hidden = true; }, 2500);
  }

  // -- sending the configuration ---------------------------------------------------------------
  let sendTimer = null;
  function changed(patch, immediate) {
    Object.assign(page.config, patch);
    writeURL();
    syncControls();
    clearTimeout(sendTimer);
    sendTimer = setTimeout(sendConfig, immediate ? 0 : 120);
  }
  async function sendConfig() {
    const cfg = JSON.parse(JSON.stringify(page.config));
    const run = (async () => {
      try {
        const state = await postJSON(api("config"), cfg);
        if ($("notice").className === "error") showNotice("");
        accept(state);
      } catch (err) { showNotice(`${t("error")}: ${err.message}`); }
    })();
    page.sending = run;
    await run;
  }

  function accept(state) {
    if (state.points) { page.points = state.points; page.dataVersion = state.data_version; }
    page.state = state;
    render(state);
  }

  // -- controls ----------------------------------------------------------------------------------
  function fillSelect(el, values, label) {
    el.innerHTML = "";
    for (const v of values) {
      const o = document.createElement("option");
      o.value = String(v); o.textContent = label ? label(v) : String(v);
      el.appendChild(o);
    }
  }
  function syncControls() {
    const c = page.config;
    for (const id of ["optimizer", "schedule", "initializer", "regularization"]) $(id).value = c[id];
    $("learning_rate").value = String(c.learning_rate);
    $("reg_rate").value = String(c.reg_rate);
    $("dropout").value = String(c.dropout);
    $("momentum").value = c.momentum;
    $("decay_epochs").value = c.decay_epochs;
    $("batch_norm").checked = c.batch_norm;
    $("n_classes").value = String(c.n_classes);
    $("train_ratio").value = Math.round(c.train_ratio * 100);
    $("train_ratio_out").textContent = `${Math.round(c.train_ratio * 100)}%`;
    $("noise").value = Math.round(c.noise * 100);
    $("noise_out").textContent = Math.round(c.noise * 100);
    $("batch_size").value = c.batch_size;
    $("batch_size_out").textContent = c.batch_size;
    $("n_samples").value = c.n_samples;
    $("n_samples_out").textContent = c.n_samples;
    $("show_test").checked = page.showTest;
    $("momentum-box").hidden = !["momentum", "nesterov"].includes(c.optimizer);
    $("decay-box").hidden = c.schedule === "constant" || c.schedule === "invscaling";
    $("classes-box").hidden = !["spiral", "gauss"].includes(c.dataset);
    $("n-layers").textContent = c.hidden.length;
    document.querySelectorAll(".dataset").forEach((b) => b.classList.toggle("selected", b.dataset.name === c.dataset));
    document.querySelectorAll(".feature").forEach((b) => b.classList.toggle("selected", c.features.includes(b.dataset.name)));
  }
  function ensureOption(el, value) {
    if (![...el.options].some((o) => o.value === String(value))) {
      const o = document.createElement("option"); o.value = o.textContent = String(value); el.appendChild(o);
    }
  }

  function bindControls() {
    const num = (id, scale, field) => $(id).addEventListener("input", () => changed({ [field || id]: Number($(id).value) / (scale || 1) }));
    num("train_ratio", 100); num("noise", 100); num("batch_size"); num("n_samples");
    for (const id of ["optimizer", "schedule", "initializer", "regularization"]) {
      $(id).addEventListener("change", () => changed({ [id]: $(id).value }, true));
    }
    for (const id of ["learning_rate", "reg_rate", "dropout", "momentum", "decay_epochs", "n_classes"]) {
      $(id).addEventListener("change", () => changed({ [id]: Number($(id).value) }, true));
    }
    $("batch_norm").addEventListener("change", () => changed({ batch_norm: $("batch_norm").checked }, true));
    $("show_test").addEventListener("change", () => { page.showTest = $("show_test").checked; writeURL(); drawHeatmap(page.state); });
    $("regenerate").addEventListener("click", () => changed({ seed: Math.floor(Math.random() * 2 ** 31) }, true));
    $("add-layer").addEventListener("click", () => {
      const c = page.config;
      if (c.hidden.length >= page.catalog.limits.max_hidden_layers) return;
      changed({ hidden: [...c.hidden, 4], activations: [...c.activations, c.activations.at(-1) || "tanh"] }, true);
    });
    $("remove-layer").addEventListener("click", () => {
      const c = page.config;
      if (!c.hidden.length) return;
      changed({ hidden: c.hidden.slice(0, -1), activations: c.activations.slice(0, -1) }, true);
    });
    $("play").addEventListener("click", () => control(page.state && page.state.playing ? "pause" : "play"));
    $("step").addEventListener("click", () => control("step"));
    $("reset").addEventListener("click", () => control("reset"));
    $("lang").addEventListener("change", () => {
      page.lang = $("lang").value; localStorage.setItem("mlplab-playground-lang", page.lang); applyLanguage();
    });
    $("upload").addEventListener("change", async () => {
      const file = $("upload").files[0];
      if (!file) return;
      if (file.size > page.catalog.limits.max_body) { showNotice(`${t("error")}: file too large`); return; }
      try {
        const state = await request(api("upload"), { method: "POST", headers: { "Content-Type": "text/csv" }, body: await file.text() });
        page.config = state.config; writeURL(); syncControls(); accept(state); showNotice("");
      } catch (err) { showNotice(`${t("error")}: ${err.message}`); }
      $("upload").value = "";
    });
    $("export-model").addEventListener("click", () => download(api("export/model")));
    $("export-code").addEventListener("click", () => download(api("export/code")));
    $("copy-link").addEventListener("click", async () => {
      try { await navigator.clipboard.writeText(location.href); } catch (e) { /* not allowed: the URL bar has it */ }
      showNotice(t("copied"), "info");
    });
  }
  function download(url) {
    const a = document.createElement("a"); a.href = url; a.download = ""; document.body.appendChild(a); a.click(); a.remove();
  }
  async function control(action) {
    if (page.sending) await page.sending;
    try {
      const state = await postJSON(api("control"), { action });
      if (action !== "pause") showNotice("");
      page.state = Object.assign(page.state || {}, state);
      render(page.state);
    } catch (err) { showNotice(`${t("error")}: ${err.message}`); }
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
  function buildDatasets() {
    const box = $("datasets"); box.innerHTML = "";
    for (const name of page.catalog.datasets) {
      const b = document.createElement("button");
      b.className = "dataset"; b.dataset.name = name; b.dataset.testid = `dataset-${name}`;
      b.setAttribute("data-testid", `dataset-${name}`); b.title = t(`ds-${name}`);
      const c = document.createElement("canvas"); c.width = c.height = 40;
      const g = c.getContext("2d"); g.fillStyle = "#f7f7f7"; g.fillRect(0, 0, 40, 40);
      for (const [x, y, v] of sketchDataset(name, 220)) {
        g.fillStyle = name.startsWith("reg") ? rgb(colorScale(2 * v - 1)) : PALETTE[v ? 1 : 0];
        g.fillRect((x + 6) / 12 * 38, (6 - y) / 12 * 38, 2, 2);
      }
      b.appendChild(c);
      b.addEventListener("click", () => changed({ dataset: name }, true));
      box.appendChild(b);
    }
    syncControls();
  }
  const FEATURE_FN = {
    x1: (a) => a, x2: (a, b) => b, x1sq: (a) => a * a, x2sq: (a, b) => b * b,
    x1x2: (a, b) => a * b, sinx1: (a) => Math.sin(a), sinx2: (a, b) => Math.sin(b),
  };
  function buildFeatures() {
    const box = $("features"); box.innerHTML = "";
    for (const [name, label] of Object.entries(page.catalog.features)) {
      const b = document.createElement("button");
      b.className = "feature"; b.dataset.name = name; b.setAttribute("data-testid", `feature-${name}`);
      const c = document.createElement("canvas"); c.width = c.height = 20;
      const vals = [];
      for (let i = 0; i < 20; i++) for (let j = 0; j < 20; j++) vals.push(FEATURE_FN[name](-6 + 12 * j / 19, 6 - 12 * i / 19));
      const m = Math.max(...vals.map(Math.abs)) || 1;
      paintGrid(c, vals.map((v) => v / m), 20);
      const span = document.createElement("span"); span.textContent = label;
      b.append(c, span);
      b.addEventListener("click", () => {
        const f = page.config.features;
        const next = f.includes(name) ? f.filter((x) => x !== name) : [...f, name];
        if (next.length) changed({ features: next }, true);
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
  function paintGrid(canvas, values, n, colorOf) {
    const g = canvas.getContext("2d");
    const img = g.createImageData(n, n);
    for (let i = 0; i < n * n; i++) {
      const c = colorOf ? colorOf(i) : colorScale(values[i]);
      img.data.set([c[0], c[1], c[2], 255], 4 * i);
    }
    if (canvas.width !== n) { canvas.width = canvas.height = n; }
    g.putImageData(img, 0, 0);
  }
  function decodeThumb(b64) {
    const s = atob(b64); const out = new Float32Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) / 127.5 - 1;
    return out;
  }

  // -- tooltip -------------------------------------------------------------------------------------
  const tip = $("tooltip");
  function showTip(ev, text) {
    tip.textContent = text; tip.hidden = false;
    tip.style.left = `${ev.pageX + 12}px`; tip.style.top = `${ev.pageY + 12}px`;
  }
  document.addEventListener("mousemove", (ev) => {
    const el = ev.target.closest && ev.target.closest("[data-tip]");
    if (el) showTip(ev, el.dataset.tip);
    else if (!ev.target.closest || !ev.target.closest("#heatmap, #loss-chart")) tip.hidden = true;
  });

  // -- rendering --------------------------------------------------------------------------------
  const fmt = (v, d = 3) => (v === null || v === undefined ? "–" : Number(v).toFixed(d));
  function render(state) {
    if (!state || !state.config) return;
    const now = performance.now();
    page.draws.push(now);
    while (page.draws.length && now - page.draws[0] > 1000) page.draws.shift();
    $("fps").textContent = `${t("refresh")} ${page.draws.length}${t("per_s")}`;
    $("epoch").textContent = String(state.epoch).padStart(6, "0");
    $("play").classList.toggle("playing", !!state.playing);
    const m = state.metrics;
    $("train-loss").textContent = fmt(m.train_loss); $("test-loss").textContent = fmt(m.test_loss);
    $("train-score").textContent = fmt(m.train_score); $("test-score").textContent = fmt(m.test_score);
    $("score-name").textContent = t(m.score_name);
    $("score-name").dataset.i18n = m.score_name;
    $("loss-name").textContent = `${state.output_activation} + ${state.loss_name}`;
    $("lr-now").textContent = state.learning_rate;
    $("problem").textContent = t(state.problem);
    if (state.notice && state.notice.code === "diverged") showNotice(t("diverged", { epoch: state.notice.epoch }), "warning");
    drawNetwork(state);
    drawHeatmap(state);
    drawLossChart(state);
    drawDiagnostics(state);
  }

  function drawNetwork(state) {
    const net = $("network"), svg = $("links"), cfg = state.config;
    const cols = [cfg.features, ...cfg.hidden.map((h) => Array(h).fill(0)), Array(state.weights.at(-1).biases.length).fill(0)];
    const key = JSON.stringify([cfg.features, cfg.hidden, cfg.activations, state.weights.at(-1).biases.length, page.lang]);
    const NODE = 34, GAP = 10, TOP = 58;
    const width = Math.max(net.clientWidth, 300);
    const x = (c) => 20 + c * ((width - 40 - NODE) / Math.max(1, cols.length - 1));
    const y = (i) => TOP + i * (NODE + GAP);
    if (key !== page.structure) {
      page.structure = key;
      net.querySelectorAll(".node, .layer-ctl").forEach((el) => el.remove());
      const height = TOP + Math.max(...cols.map((c) => c.length)) * (NODE + GAP) + 10;
      net.style.height = `${height}px`;
      svg.setAttribute("width", width); svg.setAttribute("height", height);
      cols.forEach((col, c) => {
        col.forEach((_, i) => {
          const d = document.createElement("canvas");
          d.className = "node"; d.width = d.height = state.thumb_size;
          d.style.left = `${x(c)}px`; d.style.top = `${y(i)}px`;
          d.dataset.col = c; d.dataset.row = i;
          if (c === 0) {
            const f = cfg.features[i], vals = [];
            for (let a = 0; a < 20; a++) for (let b = 0; b < 20; b++) vals.push(FEATURE_FN[f](-6 + 12 * b / 19, 6 - 12 * a / 19));
            const mx = Math.max(...vals.map(Math.abs)) || 1;
            paintGrid(d, vals.map((v) => v / mx), 20);
            d.dataset.tip = `${t("in_")}: ${page.catalog.features[f]}`;
          }
          net.appendChild(d);
        });
        if (c > 0 && c < cols.length - 1) {
          const l = c - 1, box = document.createElement("div");
          box.className = "layer-ctl"; box.style.left = `${x(c) - 18}px`;
          const plus = document.createElement("button"), minus = document.createElement("button");
          plus.textContent = "+"; minus.textContent = "−";
          plus.title = t("add_neuron"); minus.title = t("remove_neuron");
          plus.setAttribute("data-testid", `add-neuron-${l}`); minus.setAttribute("data-testid", `remove-neuron-${l}`);
          const resize = (delta) => {
            const h = [...page.config.hidden];
            h[l] = Math.max(1, Math.min(page.catalog.limits.max_units, h[l] + delta));
            changed({ hidden: h }, true);
          };
          plus.onclick = () => resize(1); minus.onclick = () => resize(-1);
          const sel = document.createElement("select");
          sel.className = "layer-activation"; sel.setAttribute("data-testid", `activation-${l}`);
          sel.title = t("activation");
          fillSelect(sel, page.catalog.activations);
          sel.value = cfg.activations[l];
          sel.onchange = () => { const a = [...page.config.activations]; a[l] = sel.value; changed({ activations: a }, true); };
          const label = document.createElement("div");
          label.textContent = `${cfg.hidden[l]} ${t("neurons")}`;
          box.append(plus, minus, label, sel);
          net.appendChild(box);
        }
      });
    }
    // thumbnails
    if (state.neurons) {
      state.neurons.forEach((col, l) => col.forEach((nrn, i) => {
        const d = net.querySelector(`canvas.node[data-col="${l + 1}"][data-row="${i}"]`);
        if (!d) return;
        paintGrid(d, decodeThumb(nrn.data), state.thumb_size);
        const w = state.weights[l];
        d.dataset.tip = `${l + 1 < cols.length - 1 ? t("layer") + " " + (l + 1) : t("output_layer")}, #${i + 1} · ${t("bias")} ${w.biases[i]} · max |${t("value")}| ${nrn.scale}`;
      }));
    }
    // links
    const parts = [];
    state.weights.forEach((w, l) => {
      let mx = 0;
      w.weights.forEach((row) => row.forEach((v) => { mx = Math.max(mx, Math.abs(v)); }));
      w.weights.forEach((row, i) => row.forEach((v, j) => {
        const x1 = x(l) + NODE, y1 = y(i) + NODE / 2, x2 = x(l + 1), y2 = y(j) + NODE / 2;
        const width = 0.4 + 5 * Math.abs(v) / (mx || 1);
        const color = rgb(colorScale(v / (mx || 1)));
        const mxm = (x1 + x2) / 2;
        parts.push(`<path d="M${x1},${y1} C${mxm},${y1} ${mxm},${y2} ${x2},${y2}" stroke="${color}" stroke-width="${width.toFixed(2)}" fill="none" data-tip="${t("weight")} ${v}"/>`);
      }));
    });
    svg.innerHTML = parts.join("");
  }

  function drawHeatmap(state) {
    if (!state || !state.heatmap) return;
    const canvas = $("heatmap"), g = canvas.getContext("2d"), hm = state.heatmap, n = hm.size;
    const off = document.createElement("canvas");
    let colorOf;
    if (hm.kind === "binary") colorOf = (i) => colorScale(2 * hm.values[i] - 1);
    else if (hm.kind === "multiclass") {
      const k = state.n_classes;
      colorOf = (i) => {
        const base = hexRGB(PALETTE[hm.classes[i] % PALETTE.length]);
        const a = Math.max(0, (hm.values[i] - 1 / k) / (1 - 1 / k));
        return base.map((v, c) => Math.round(MID[c] + (v - MID[c]) * (0.25 + 0.6 * a)));
      };
    } else {
      const scale = regressionScale();
      colorOf = (i) => colorScale(hm.values[i] / scale);
    }
    paintGrid(off, null, n, colorOf);
    g.imageSmoothingEnabled = true;
    g.drawImage(off, 0, 0, canvas.width, canvas.height);
    const P = page.points;
    if (!P) return;
    const toPx = (v) => (v + hm.extent) / (2 * hm.extent) * canvas.width;
    const sets = [["train", "#fff"]];
    if (page.showTest) sets.push(["test", "#000"]);
    for (const [split, stroke] of sets) {
      const d = P[split];
      for (let i = 0; i < d.x.length; i++) {
        const [a, b] = d.x[i], v = d.y[i];
        g.beginPath(); g.arc(toPx(a), canvas.height - toPx(b), 3, 0, 2 * Math.PI);
        g.fillStyle = state.problem === "regression" ? rgb(colorScale(v / regressionScale())) : PALETTE[v % PALETTE.length];
        g.fill(); g.lineWidth = 1; g.strokeStyle = stroke; g.stroke();
      }
    }
  }
  function regressionScale() {
    const P = page.points;
    if (!P) return 1;
    return Math.max(1e-9, ...P.train.y.map(Math.abs));
  }
  $("heatmap").addEventListener("mousemove", (ev) => {
    const s = page.state; if (!s || !s.heatmap) return;
    const r = ev.target.getBoundingClientRect(), hm = s.heatmap, n = hm.size;
    const fx = (ev.clientX - r.left) / r.width, fy = (ev.clientY - r.top) / r.height;
    const j = Math.min(n - 1, Math.floor(fx * n)), i = Math.min(n - 1, Math.floor(fy * n));
    const x1 = (-hm.extent + 2 * hm.extent * fx).toFixed(2), x2 = (hm.extent - 2 * hm.extent * fy).toFixed(2);
    const k = i * n + j;
    const val = hm.kind === "multiclass" ? `class ${hm.classes[k]} (p=${hm.values[k]})` : hm.values[k];
    showTip(ev, `x₁=${x1}, x₂=${x2} → ${val}`);
  });
  $("heatmap").addEventListener("mouseleave", () => { tip.hidden = true; });

  function drawLossChart(state) {
    const c = $("loss-chart"), g = c.getContext("2d"), h = state.history;
    g.clearRect(0, 0, c.width, c.height);
    const all = [...h.train, ...h.test].filter((v) => v !== null);
    if (!all.length) return;
    const ymax = Math.max(...all) || 1, n = h.epoch.length, xmax = Math.max(1, h.epoch[n - 1]);
    const px = (e) => 2 + (c.width - 4) * e / xmax, py = (v) => c.height - 2 - (c.height - 4) * v / ymax;
    for (const [key, color] of [["train", "#999"], ["test", "#222"]]) {
      g.beginPath(); g.strokeStyle = color; g.lineWidth = 1.5;
      h[key].forEach((v, i) => { if (v !== null) (i ? g.lineTo : g.moveTo).call(g, px(h.epoch[i]), py(v)); });
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
    const rows = (state.diagnostics || []).map((d, l) => {
      const name = l < state.diagnostics.length - 1 ? `${t("layer")} ${l + 1}` : t("output_layer");
      const g = d.grad_mean_abs;
      // log scale: 1e-8 -> 0%, 1 -> 100%
      const gw = g ? Math.max(2, Math.min(100, (Math.log10(g) + 8) / 8 * 100)) : 0;
      const bar = (v, cls, label) => v === null || v === undefined ? `<span class="na">–</span>`
        : `<span class="bar ${cls}" data-tip="${label}: ${(100 * v).toFixed(0)}%"><i style="width:${(100 * v).toFixed(1)}%"></i></span>`;
      return `<div class="diag"><span class="lname">${name}</span>
        <span class="bar grad" data-tip="${t("grad")} = ${g} · max ${d.grad_max_abs} · ‖g‖₂ ${d.grad_l2}"><i style="width:${gw.toFixed(1)}%"></i></span>
        ${bar(d.dead_fraction, "dead", t("dead"))}${bar(d.saturated_fraction, "sat", t("saturated"))}</div>`;
    });
    box.innerHTML = `<div class="diag head"><span></span><span>${t("grad")}</span><span>${t("dead")}</span><span>${t("saturated")}</span></div>${rows.join("")}`;
  }

  // -- polling ---------------------------------------------------------------------------------
  async function poll() {
    const began = performance.now();
    let delay = 100;
    try {
      if (page.sending) await page.sending;
      const q = page.dataVersion === null ? "" : `&data_version=${page.dataVersion}`;
      const state = await request(`${api("state")}?thumbs=1${q}`);
      const fresh = !page.state || state.epoch !== page.state.epoch || state.playing !== page.state.playing
        || state.data_version !== page.state.data_version || JSON.stringify(state.config) !== JSON.stringify(page.state.config)
        || JSON.stringify(state.notice) !== JSON.stringify(page.state.notice);
      if (state.points) { page.points = state.points; page.dataVersion = state.data_version; }
      page.state = state;
      if (fresh) render(state);
      // about 12 refreshes a second while playing, counting the request's own time
      delay = state.playing ? Math.max(10, 80 - (performance.now() - began)) : 400;
    } catch (err) {
      if (/unknown session/.test(err.message)) await sendConfig();
      delay = 1000;
    }
    setTimeout(poll, delay);
  }

  // -- start -------------------------------------------------------------------------------------
  async function start() {
    page.lang = localStorage.getItem("mlplab-playground-lang") || (navigator.language || "en").slice(0, 2);
    if (!I18N[page.lang]) page.lang = "en";
    page.catalog = await request("/api/catalog");
    const c = page.catalog;
    fillSelect($("optimizer"), c.optimizers);
    fillSelect($("schedule"), c.schedules);
    fillSelect($("initializer"), c.initializers);
    fillSelect($("regularization"), c.regularizations);
    fillSelect($("learning_rate"), LRS);
    fillSelect($("reg_rate"), REG_RATES);
    fillSelect($("dropout"), DROPOUTS);
    page.config = configFromURL(c.defaults);
    for (const id of ["learning_rate", "reg_rate", "dropout"]) ensureOption($(id), page.config[id]);
    bindControls();
    applyLanguage();
    syncControls();
    await sendConfig();
    if (!page.state) {  // the URL's configuration was refused: start from the defaults
      const msg = $("notice").textContent;
      page.config = JSON.parse(JSON.stringify(c.defaults));
      writeURL(); syncControls();
      await sendConfig();
      showNotice(msg);
    }
    writeURL();
    window.addEventListener("pagehide", () => fetch(`/api/session/${SID}`, { method: "DELETE", keepalive: true }).catch(() => {}));
    page.ready = true;
    document.body.dataset.ready = "1";
    poll();
  }
  start().catch((err) => showNotice(`${t("error")}: ${err.message}`));
})();
