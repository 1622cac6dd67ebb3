// Headstream's live dashboard: users (searched, paged), a user's heads, a head's prequential
// curves, false accepts per hour, monitors against their thresholds and versions, kept up to date
// by the server-sent events of /admin/events. Every request carries the signed-in user's basic
// credentials, held in this page's memory only; the page itself holds no data.
"use strict";

const PAGE = 25;
const state = {
  auth: null,
  offset: 0,
  total: 0,
  selectedUser: null, // {tenant, user}
  selectedHead: null, // head id
  stream: null,
  catchUpTimer: null,
};

const $ = (id) => document.getElementById(id);

function text(s) {
  return s === null || s === undefined ? "" : String(s);
}

function cell(row, value, cls) {
  const td = document.createElement("td");
  td.textContent = text(value);
  if (cls) td.className = cls;
  row.appendChild(td);
  return td;
}

function time(ms) {
  return ms ? new Date(ms).toISOString().replace("T", " ").slice(0, 19) : "";
}

function number(x, digits) {
  return typeof x === "number" && isFinite(x) ? x.toFixed(digits) : "";
}

async function api(path) {
  // credentials "omit": a 401 must not make the browser prompt for a password (the Fetch
  // standard prompts only when a request includes credentials); the header is ours
  const res = await fetch(path, { headers: { Authorization: state.auth }, credentials: "omit" });
  if (res.status === 401 || res.status === 403) {
    throw new Error(res.status === 401 ? "wrong user or password" : "this user has no viewer role");
  }
  if (!res.ok) {
    let detail = res.statusText;
    try {
      detail = (await res.json()).detail || detail;
    } catch (e) {
      // not a problem detail
    }
    const err = new Error(detail);
    err.status = res.status;
    throw err;
  }
  return res.json();
}

// ---- sign-in ----

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const user = $("login-user").value;
  state.auth = "Basic " + btoa(unescape(encodeURIComponent(user + ":" + $("login-password").value)));
  try {
    await api("/admin/users?limit=1");
  } catch (e) {
    $("login-error").textContent = e.message;
    state.auth = null;
    return;
  }
  $("login-password").value = "";
  $("login").hidden = true;
  $("app").hidden = false;
  $("who").textContent = user;
  stream();
  await loadUsers();
});

// ---- users ----

let searchTimer = null;
for (const id of ["search", "tenant"]) {
  $(id).addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      state.offset = 0;
      loadUsers();
    }, 250);
  });
}
$("prev").addEventListener("click", () => {
  state.offset = Math.max(0, state.offset - PAGE);
  loadUsers();
});
$("next").addEventListener("click", () => {
  if (state.offset + PAGE < state.total) {
    state.offset += PAGE;
    loadUsers();
  }
});

async function loadUsers() {
  const q = new URLSearchParams({
    tenant: $("tenant").value.trim(),
    q: $("search").value.trim(),
    offset: state.offset,
    limit: PAGE,
  });
  let page;
  try {
    page = await api("/admin/users?" + q);
  } catch (e) {
    // the catalog cannot read the heads (503) or the adapter is away: say so, and ask again
    $("page-info").textContent = e.message;
    clearTimeout(state.catchUpTimer);
    state.catchUpTimer = setTimeout(loadUsers, 5000);
    return;
  }
  state.total = page.total;
  const body = $("users").querySelector("tbody");
  body.replaceChildren();
  for (const u of page.users) {
    const row = document.createElement("tr");
    row.dataset.tenant = u.tenant;
    row.dataset.user = u.user;
    if (state.selectedUser && state.selectedUser.tenant === u.tenant && state.selectedUser.user === u.user) {
      row.classList.add("selected");
    }
    cell(row, u.tenant);
    cell(row, u.user);
    cell(row, u.heads);
    cell(row, time(u.updatedTimeMs));
    const alarm = cell(row, u.alarmed ? "alarm" : "");
    if (u.alarmed) alarm.innerHTML = '<span class="alarm">alarm</span>';
    row.addEventListener("click", () => selectUser(u.tenant, u.user));
    body.appendChild(row);
  }
  const last = Math.min(state.offset + page.users.length, page.total);
  $("page-info").textContent =
    (page.total === 0 ? "no users" : `${state.offset + 1}-${last} of ${page.total}`) +
    (page.caughtUp ? "" : " (still reading)");
  // the catalog is still reading the topics: the list grows without telling anyone, ask again
  clearTimeout(state.catchUpTimer);
  if (!page.caughtUp) state.catchUpTimer = setTimeout(loadUsers, 2000);
  $("prev").disabled = state.offset === 0;
  $("next").disabled = last >= page.total;
}

async function selectUser(tenant, user) {
  state.selectedUser = { tenant, user };
  for (const row of $("users").querySelectorAll("tbody tr")) {
    row.classList.toggle("selected", row.dataset.tenant === tenant && row.dataset.user === user);
  }
  let detail;
  try {
    detail = await api(`/admin/users/${encodeURIComponent(tenant)}/${encodeURIComponent(user)}`);
  } catch (e) {
    $("head-title").textContent = e.message;
    $("heads").replaceChildren();
    $("head").hidden = true;
    return;
  }
  const heads = $("heads");
  heads.replaceChildren();
  for (const h of detail.heads) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = h.task;
    b.dataset.head = h.headId;
    b.addEventListener("click", () => selectHead(h.headId));
    heads.appendChild(b);
  }
  const keep = detail.heads.find((h) => h.headId === state.selectedHead);
  await selectHead(keep ? keep.headId : detail.heads[0].headId);
}

// ---- a head ----

async function selectHead(headId) {
  state.selectedHead = headId;
  for (const b of $("heads").querySelectorAll("button")) {
    b.classList.toggle("selected", b.dataset.head === headId);
  }
  await loadHead();
}

async function loadHead() {
  const headId = state.selectedHead;
  if (!headId) return;
  let h;
  try {
    h = await api("/admin/heads/" + headId.split("/").map(encodeURIComponent).join("/"));
  } catch (e) {
    $("head-title").textContent = e.status === 404 ? `${headId}: erased or not known` : e.message;
    $("head").hidden = true;
    return;
  }
  if (headId !== state.selectedHead) return; // another head was chosen meanwhile
  $("head-title").textContent = h.headId;
  $("head").hidden = false;
  $("version").textContent = h.newest.version;
  $("status").textContent = h.newest.status + (h.newest.heldAtSource ? " (held at source)" : "");
  $("threshold").textContent = number(h.newest.threshold, 3);
  $("samples").textContent = h.newest.samplesApplied;
  const m = h.monitors;
  $("fa-per-hour").textContent = m ? number(m.calibrationFalseAcceptsPerHour, 2) : "";
  drawCurve("curve", h.curve, "Accuracy");
  drawCurve("loss", h.curve, "Loss");
  drawMonitors(m);
  drawVersions([h.newest].concat(h.history));
}

/**
 * Draws the source head's and the adapted head's running {@code metric} ("Accuracy" or "Loss")
 * over the samples seen into the SVG {@code svgId}; each polyline says its point count in
 * data-points.
 */
function drawCurve(svgId, points, metric) {
  const svg = $(svgId);
  const W = 640, H = 200, L = 40, R = 110, T = 10, B = 30;
  const ns = "http://www.w3.org/2000/svg";
  svg.replaceChildren();
  const el = (name, attrs, content) => {
    const e = document.createElementNS(ns, name);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (content !== undefined) e.textContent = content;
    svg.appendChild(e);
    return e;
  };
  const values = points.flatMap((p) => [p["source" + metric], p["adapted" + metric]]).filter(isFinite);
  const yMax = metric === "Accuracy" ? 1 : Math.max(0.1, ...values) * 1.05;
  el("line", { class: "axis", x1: L, y1: H - B, x2: W - R, y2: H - B });
  el("line", { class: "axis", x1: L, y1: T, x2: L, y2: H - B });
  for (const f of [0, 0.5, 1]) {
    el("text", { x: 4, y: T + (1 - f) * (H - T - B) + 4 }, (f * yMax).toFixed(metric === "Accuracy" ? 1 : 2));
  }
  const xs = points.map((p) => p.samplesSeen);
  const x0 = xs.length ? Math.min(...xs) : 0;
  const x1 = xs.length ? Math.max(...xs) : 1;
  el("text", { x: L, y: H - 8 }, `samples seen: ${x0}`);
  el("text", { x: W - R - 20, y: H - 8 }, `${x1}`);
  const px = (x) => L + (x1 === x0 ? 0.5 : (x - x0) / (x1 - x0)) * (W - L - R);
  const py = (y) => T + (1 - Math.min(y, yMax) / yMax) * (H - T - B);
  for (const [cls, label, ly] of [
    ["source", "source head", 20],
    ["adapted", "adapted head", 40],
  ]) {
    el("polyline", {
      class: cls,
      "data-points": points.length,
      points: points
        .map((p) => `${px(p.samplesSeen).toFixed(1)},${py(p[cls + metric]).toFixed(1)}`)
        .join(" "),
    });
    el("line", { class: cls + " legend", x1: W - R + 8, y1: ly - 4, x2: W - R + 28, y2: ly - 4 });
    el("text", { x: W - R + 32, y: ly }, label);
  }
}

function drawMonitors(m) {
  const body = $("monitors").querySelector("tbody");
  body.replaceChildren();
  if (!m) return;
  const rows = [
    ["negative transfer", m.negativeTransfer],
    ["drift", m.drift],
    ["loss rise", m.lossRise],
  ];
  for (const [name, t] of rows) {
    const row = document.createElement("tr");
    row.dataset.test = name;
    cell(row, name);
    cell(row, number(t.statistic, 3));
    cell(row, number(t.threshold, 3));
    const a = cell(row, t.alarm ? "ALARM" : "ok", t.alarm ? "alarm" : "ok");
    a.dataset.alarm = t.alarm;
    body.appendChild(row);
  }
  const row = document.createElement("tr");
  cell(row, "error rise (ADWIN)");
  cell(row, "");
  cell(row, "");
  cell(row, m.errorRiseAlarm ? "ALARM" : "ok", m.errorRiseAlarm ? "alarm" : "ok");
  body.appendChild(row);
}

function drawVersions(versions) {
  const body = $("versions").querySelector("tbody");
  body.replaceChildren();
  for (const v of versions) {
    const row = document.createElement("tr");
    row.dataset.version = v.version;
    cell(row, v.version);
    cell(row, v.status);
    cell(row, v.statusReason);
    cell(row, number(v.threshold, 3));
    cell(row, v.samplesApplied);
    cell(row, time(v.createdTimeMs));
    body.appendChild(row);
  }
}

// ---- live updates ----

let listTimer = null;
let headTimer = null;

function onChange(change) {
  if (change.kind !== "head") return;
  if (change.headId === state.selectedHead) {
    clearTimeout(headTimer);
    headTimer = setTimeout(loadHead, 200);
  }
  if (!listTimer) {
    listTimer = setTimeout(() => {
      listTimer = null;
      loadUsers();
      if (state.selectedUser && !state.selectedHead) {
        selectUser(state.selectedUser.tenant, state.selectedUser.user);
      }
    }, 1000);
  }
}

async function stream() {
  for (;;) {
    try {
      const res = await fetch("/admin/events", {
        headers: { Authorization: state.auth, Accept: "text/event-stream" },
        credentials: "omit",
      });
      if (!res.ok) throw new Error("events: " + res.status);
      $("live").className = "on";
      $("live").textContent = "live";
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true }).replace(/\r\n/g, "\n");
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = event
            .split("\n")
            .filter((l) => l.startsWith("data:"))
            .map((l) => l.slice(5).trim())
            .join("\n");
          if (data) onChange(JSON.parse(data));
        }
      }
    } catch (e) {
      // reconnect below
    }
    $("live").className = "off";
    $("live").textContent = "reconnecting";
    await new Promise((r) => setTimeout(r, 2000));
  }
}
