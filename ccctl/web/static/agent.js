// The agent desk: sign in, status (ready, break with the tenant's reasons, log out), the screen
// pop pushed at offer time (server-sent events), and the wrap-up. No library, no build step.
"use strict";

let me = null;
let current = null; // the call shown in the pop: {call_id, ...}

const seatPath = () =>
  `/api/tenants/${encodeURIComponent(me.tenant)}/agents/${encodeURIComponent(me.extension)}`;

function show(view) {
  $("signin-view").hidden = view !== "signin";
  $("desk-view").hidden = view !== "desk";
}

function text(id, value) {
  $(id).textContent = value === null || value === undefined || value === "" ? "—" : String(value);
}

function option(select, value, label) {
  const o = document.createElement("option");
  o.value = value;
  o.textContent = label;
  select.appendChild(o);
}

async function start() {
  try {
    me = await api("GET", "/api/me");
  } catch (e) {
    show("signin");
    $("login").focus();
    return;
  }
  if (me.role !== "agent") {
    show("signin");
    $("signin-error").textContent = "This page is for agents; sign in with your seat.";
    return;
  }
  show("desk");
  text("who", `${me.login}`);
  const codes = await api("GET", `/api/tenants/${encodeURIComponent(me.tenant)}/agent-codes`);
  $("break-reason").replaceChildren();
  for (const [code, name] of Object.entries(codes.pause_reasons)) option($("break-reason"), code, name);
  if (codes.default_pause_reason) $("break-reason").value = codes.default_pause_reason;
  $("disposition").replaceChildren();
  for (const [code, name] of Object.entries(codes.dispositions)) option($("disposition"), code, `${code} ${name}`);
  try {
    const s = await api("GET", seatPath());
    text("status", s.status);
  } catch (e) {
    $("desk-error").textContent = e.message;
  }
  listen();
  today();
  // The WebRTC phone (phone.js, a module that loads on its own time) starts from this.
  window.ccctlDesk = me;
  document.dispatchEvent(new CustomEvent("ccctl-desk", { detail: me }));
  $("ready").focus();
}

function minutes(s) {
  return `${Math.round(s / 60)} min`;
}

async function today() {
  try {
    const t = await api("GET", `${seatPath()}/today`);
    const breaks = Object.entries(t.break_s).map(([r, s]) => `${r || "break"} ${minutes(s)}`);
    text("today", `${t.calls} calls, talk ${minutes(t.talk_s)}` + (breaks.length ? `, ${breaks.join(", ")}` : ""));
  } catch (e) {
    text("today", null);
  }
}

function listen() {
  const es = new EventSource(`${seatPath()}/events`);
  es.addEventListener("call.offered", (m) => pop(JSON.parse(m.data)));
  es.addEventListener("call.ended", (m) => ended(JSON.parse(m.data)));
  es.onerror = () => {
    $("desk-error").textContent = "Live updates interrupted; reconnecting…";
  };
  es.onopen = () => {
    $("desk-error").textContent = "";
  };
}

function when(ts) {
  return ts ? new Date(ts * 1000).toLocaleString() : "";
}

function pop(e) {
  current = e;
  const c = e.customer;
  text("pop-caller", e.caller_name ? `${e.caller_number} (${e.caller_name})` : e.caller_number);
  text("pop-customer-name", c ? c.name : "unknown caller");
  text("pop-customer-fields", c ? Object.entries(c.fields || {}).map(([k, v]) => `${k}: ${v}`).join(", ") : "");
  // The tenant's CRM link, filled in by the box (values percent-encoded); only http(s).
  const crm = typeof e.crm_link === "string" && /^https?:\/\//.test(e.crm_link) ? e.crm_link : null;
  $("pop-crm").hidden = !crm;
  $("pop-crm-none").hidden = !!crm;
  if (crm) $("pop-crm").href = crm;
  else $("pop-crm").removeAttribute("href");
  text("pop-queue", e.queue);
  text("pop-wait", e.wait_s === null || e.wait_s === undefined ? null : `${e.wait_s} s`);
  text("pop-ivr", (e.ivr_path || []).join(" › "));
  text("pop-digits", e.ivr_digits);
  text("pop-state", "ringing");
  const body = $("pop-history").tBodies[0];
  body.replaceChildren();
  for (const h of e.earlier_calls || []) {
    const tr = document.createElement("tr");
    for (const v of [when(h.entered_at), h.queue, h.agent, h.disposition, h.wrapup_code, h.wrapup_note]) {
      const td = document.createElement("td");
      td.textContent = v || "";
      tr.appendChild(td);
    }
    body.appendChild(tr);
  }
  $("wrapup").hidden = true;
  $("pop").hidden = false;
  // When the pop was drawn (Unix seconds): what the offer-to-pop latency is measured to.
  $("pop").dataset.shownAt = String(Date.now() / 1000);
  $("pop").dataset.callId = e.call_id;
}

function ended(e) {
  if (!current || e.call_id !== current.call_id) return;
  text("pop-state", `ended (${e.disposition})`);
  today();
  if (e.disposition !== "answered") return;
  $("note").value = "";
  $("wrapup-done").textContent = "";
  $("wrapup").hidden = false;
  $("disposition").focus();
}

async function status(action, reason) {
  $("desk-error").textContent = "";
  try {
    const body = reason ? { action, reason } : { action };
    const r = await api("POST", `${seatPath()}/status`, body);
    text("status", r.status);
  } catch (e) {
    $("desk-error").textContent = e.message;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("signin-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    $("signin-error").textContent = "";
    try {
      await api("POST", "/api/session", { login: $("login").value, password: $("password").value });
      $("password").value = "";
      await start();
    } catch (e) {
      $("signin-error").textContent = e.message;
      $("password").focus();
    }
  });
  $("ready").addEventListener("click", () => status("ready"));
  $("break").addEventListener("click", () => status("break", $("break-reason").value || undefined));
  $("logout").addEventListener("click", () => status("logout"));
  $("signout").addEventListener("click", async () => {
    await api("DELETE", "/api/session").catch(() => null);
    location.reload();
  });
  // Transfer is done by the box (the API), not by the phone: SIP REFER stays off on the profiles.
  $("transfer-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    $("transfer-done").textContent = "";
    try {
      await api("POST", `${seatPath()}/transfer`, { target: $("transfer-target").value.trim() });
      $("transfer-done").textContent = `Transferred to ${$("transfer-target").value.trim()}`;
    } catch (e) {
      $("transfer-done").textContent = e.message;
    }
  });
  $("wrapup-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const r = await api("POST", `${seatPath()}/wrapup`, { code: $("disposition").value, note: $("note").value });
      $("wrapup-done").textContent = `Saved: ${r.disposition}`;
      $("wrapup-form").hidden = false;
      $("ready").focus();
    } catch (e) {
      $("wrapup-done").textContent = e.message;
    }
  });
  start();
});
