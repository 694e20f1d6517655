// mailroom dev: the sandbox's web page. Plain JS over the HTTP API
// (/api/openapi.json): the message list updated live by /api/events,
// the message view (HTML in a sandboxed frame), sessions, fault rules.
// Every text from the server goes through textContent, never innerHTML.
"use strict";

const $ = (sel) => document.querySelector(sel);
const state = { view: "messages", messages: [], current: null, sessions: [], currentSession: null };

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

async function api(path, options) {
  const res = await fetch(path, Object.assign({ credentials: "same-origin" }, options));
  if (!res.ok && res.status !== 204) {
    let message = res.statusText;
    try { message = (await res.json()).error || message; } catch (e) { /* not JSON */ }
    throw new Error(message);
  }
  return res;
}
const getJSON = async (path) => (await api(path)).json();
const enc = encodeURIComponent;

// ---- views and keyboard ----
function show(view) {
  state.view = view;
  for (const s of document.querySelectorAll(".view")) s.hidden = s.id !== view;
  for (const b of document.querySelectorAll("nav button")) b.setAttribute("aria-pressed", String(b.dataset.view === view));
  if (view === "sessions") loadSessions();
  if (view === "faults") loadFaults();
}

function moveSelection(list, delta) {
  const items = [...list.querySelectorAll("li")];
  if (!items.length) return;
  let i = items.findIndex((li) => li.classList.contains("selected"));
  i = Math.max(0, Math.min(items.length - 1, i + delta));
  items[i].click();
  items[i].scrollIntoView({ block: "nearest" });
}

document.addEventListener("keydown", (ev) => {
  const typing = ["INPUT", "SELECT", "TEXTAREA"].includes(document.activeElement.tagName);
  if (typing) {
    if (ev.key === "Escape") document.activeElement.blur();
    return;
  }
  if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
  const list = state.view === "messages" ? $("#message-list") : state.view === "sessions" ? $("#session-list") : null;
  switch (ev.key) {
    case "m": show("messages"); break;
    case "s": show("sessions"); break;
    case "f": show("faults"); break;
    case "/": if (state.view === "messages") { ev.preventDefault(); $("#q").focus(); } break;
    case "j": case "ArrowDown": if (list) { ev.preventDefault(); moveSelection(list, 1); } break;
    case "k": case "ArrowUp": if (list) { ev.preventDefault(); moveSelection(list, -1); } break;
    case "Delete": if (state.view === "messages" && state.current) deleteCurrent(); break;
    default: return;
  }
});

// ---- messages ----
async function loadMessages() {
  const q = $("#q").value.trim();
  const data = await getJSON("/api/messages?limit=500" + (q ? "&subject=" + enc(q) : ""));
  state.messages = data.messages;
  const list = $("#message-list");
  list.replaceChildren(...data.messages.map((m) =>
    el("li", { "data-id": m.id, tabindex: "-1", class: state.current === m.id ? "selected" : "", onclick: () => openMessage(m.id) },
      el("span", { class: "subject" }, m.subject || "(no subject)"),
      el("span", { class: "from" }, m.from || ""),
      el("span", { class: "to" }, "to " + m.mailbox),
      el("time", {}, m.received ? new Date(m.received * 1000).toLocaleTimeString() : ""))));
  $("#no-messages").hidden = data.messages.length > 0;
}

function selectIn(list, key, value) {
  for (const li of list.querySelectorAll("li")) li.classList.toggle("selected", li.dataset[key] === String(value));
}

function showTab(tab) {
  for (const b of document.querySelectorAll(".tabs [role=tab]")) b.setAttribute("aria-selected", String(b.dataset.tab === tab));
  for (const p of document.querySelectorAll("#message .pane")) p.hidden = p.dataset.pane !== tab;
}

async function openMessage(id) {
  state.current = id;
  selectIn($("#message-list"), "id", id);
  const m = await getJSON("/api/messages/" + enc(id));
  $("#message").hidden = false;
  $("#m-subject").textContent = m.subject || "(no subject)";
  $("#m-meta").replaceChildren(
    el("dt", {}, "From"), el("dd", {}, m.from || ""),
    el("dt", {}, "To"), el("dd", {}, m.to || ""),
    el("dt", {}, "Date"), el("dd", {}, m.date || ""),
    el("dt", {}, "Mailbox"), el("dd", {}, m.mailbox + " (" + m.size + " bytes, id " + m.id + ")"));
  const frame = $("#m-html");
  const hasHtml = typeof m.html === "string";
  frame.src = hasHtml ? "/api/messages/" + enc(id) + "/html" : "about:blank";
  $("#load-remote").disabled = !hasHtml;
  $("#m-text").textContent = typeof m.text === "string" ? m.text : "(no text part)";
  $("#m-headers").replaceChildren(...m.headers.map((h) => el("tr", {}, el("th", {}, h.name), el("td", {}, h.value))));
  $("#m-parts").replaceChildren(...m.parts.map((p) =>
    el("li", {}, el("a", { href: "/api/messages/" + enc(id) + "/parts/" + p.part, download: p.filename || "part" + p.part },
      (p.filename || "part " + p.part) + " — " + p.content_type + ", " + p.size + " bytes"))));
  $("#m-raw").textContent = await (await api("/api/messages/" + enc(id) + "/raw")).text();
  showTab(hasHtml ? "html" : "text");
}

async function deleteCurrent() {
  if (!state.current) return;
  await api("/api/messages/" + enc(state.current), { method: "DELETE" });
  state.current = null;
  $("#message").hidden = true;
  loadMessages();
}

// ---- sessions ----
async function loadSessions() {
  const data = await getJSON("/api/sessions");
  $("#session-list").replaceChildren(...data.sessions.map((s) =>
    el("li", { "data-sid": s.id, tabindex: "-1", class: state.currentSession === s.id ? "selected" : "", onclick: () => openSession(s.id) },
      el("span", { class: "subject" }, "#" + s.id + " " + s.protocol.toUpperCase() + " on " + s.listener),
      el("span", { class: "from" }, s.peer + (s.user ? " as " + s.user : "") + (s.tls !== "none" ? " · TLS " + s.tls : "")),
      el("span", { class: "to" }, s.ended ? "ended" : "open"),
      el("span", { class: "badge" }, s.findings.length ? s.findings.length + " finding(s)" : ""))));
  $("#no-sessions").hidden = data.sessions.length > 0;
}

async function openSession(id) {
  state.currentSession = id;
  selectIn($("#session-list"), "sid", id);
  const s = await getJSON("/api/sessions/" + id);
  $("#session").hidden = false;
  $("#s-title").textContent = "Session " + s.id + ": " + s.protocol.toUpperCase() + " from " + s.peer;
  $("#s-findings").replaceChildren(...s.findings.map((f) => el("li", {}, el("strong", {}, f.rfc + ": "), f.text)));
  $("#s-dialogue").replaceChildren(...s.dialogue.map((d) =>
    el("span", { class: d.note ? "note" : d.dir === "C" ? "client" : "server" },
      d.note ? "— " + d.note + "\n" : d.dir + ": " + d.bytes.replace(/\r\n$/, "\n").replace(/\r\n/g, "\n" + d.dir + ": "))));
}

// ---- faults ----
async function loadFaults() {
  const data = await getJSON("/api/faults");
  $("#fault-table tbody").replaceChildren(...data.faults.map((f) => {
    const match = ["protocol", "listener", "command", "user"].filter((k) => f[k]).map((k) => k + "=" + f[k]).join(" ") || "anything";
    return el("tr", {},
      el("td", {}, f.id), el("td", {}, match + (f.nth ? " (nth " + f.nth + ")" : "")), el("td", {}, f.action),
      el("td", {}, f.times), el("td", {}, f.fired),
      el("td", {}, el("button", { type: "button", class: "danger", "aria-label": "Delete rule " + f.id,
        onclick: async () => { await api("/api/faults/" + f.id, { method: "DELETE" }); loadFaults(); } }, "Delete")));
  }));
}

$("#fault-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const rule = {};
  for (const [k, v] of new FormData(ev.target)) {
    if (v === "") continue;
    if (["nth", "code", "delay_ms", "keep_bytes"].includes(k)) { if (Number(v) !== 0 || k === "code") rule[k] = Number(v); }
    else if (k === "times" && /^\d+$/.test(v)) rule[k] = Number(v);
    else rule[k] = v;
  }
  try {
    await api("/api/faults", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(rule) });
    $("#fault-error").textContent = "";
    loadFaults();
  } catch (e) {
    $("#fault-error").textContent = e.message;
  }
});

// ---- live events ----
function connectEvents() {
  const source = new EventSource("/api/events");
  source.addEventListener("ready", () => { $("#live").textContent = "live"; });
  source.addEventListener("message", () => loadMessages());
  for (const kind of ["session_started", "session_ended"])
    source.addEventListener(kind, () => { if (state.view === "sessions") loadSessions(); });
  source.onerror = () => { $("#live").textContent = "reconnecting…"; };
}

for (const b of document.querySelectorAll("nav button")) b.addEventListener("click", () => show(b.dataset.view));
for (const b of document.querySelectorAll(".tabs [role=tab]")) b.addEventListener("click", () => showTab(b.dataset.tab));
$("#m-delete").addEventListener("click", deleteCurrent);
$("#load-remote").addEventListener("click", () => {
  if (state.current) $("#m-html").src = "/api/messages/" + enc(state.current) + "/html?remote=1";
});
$("#search").addEventListener("submit", (ev) => { ev.preventDefault(); loadMessages(); });
$("#q").addEventListener("input", () => loadMessages());
$("#reset").addEventListener("click", async () => {
  await api("/api/reset", { method: "POST" });
  state.current = null;
  $("#message").hidden = true;
  loadMessages();
  if (state.view === "sessions") loadSessions();
});
$("#message-list").addEventListener("keydown", (ev) => {
  if (ev.key === "Enter") { const sel = $("#message-list li.selected") || $("#message-list li"); if (sel) sel.click(); }
});

loadMessages();
connectEvents();
