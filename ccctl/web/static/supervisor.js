// The supervisor page: the live wallboard (one update a second, server-sent events) and the
// actions on an agent (listen, whisper, barge, hang up; ready, break, log out).
"use strict";

let me = null;
let tenant = null;

function cell(tr, value) {
  const td = document.createElement("td");
  td.textContent = value === null || value === undefined ? "" : String(value);
  tr.appendChild(td);
  return td;
}

function button(td, label, action) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.addEventListener("click", action);
  td.appendChild(b);
}

async function act(ext, what) {
  $("board-error").textContent = "";
  const base = `/api/tenants/${encodeURIComponent(tenant)}/agents/${encodeURIComponent(ext)}`;
  try {
    if (["listen", "whisper", "barge"].includes(what)) {
      await api("POST", `${base}/${what}`, { supervisor: $("my-phone").value });
    } else if (what === "hangup") {
      await api("POST", `${base}/hangup`);
    } else {
      await api("POST", `${base}/status`, { action: what });
    }
  } catch (e) {
    $("board-error").textContent = `${ext}: ${e.message}`;
  }
}

function render(board) {
  const qs = $("queues").tBodies[0];
  qs.replaceChildren();
  for (const q of board.queues) {
    const tr = document.createElement("tr");
    const pct = (x) => (x === null ? "" : `${Math.round(x * 100)} %`);
    [q.queue, q.waiting, `${q.longest_wait} s`, q.answered, pct(q.service_level), pct(q.abandon_rate)].forEach((v) => cell(tr, v));
    qs.appendChild(tr);
  }
  const calls = Object.fromEntries(board.calls.map((c) => [c.agent, c]));
  const as = $("agents").tBodies[0];
  // Keep the focus on a button across the redraw: keyboard users are not thrown back to the top.
  const focused = document.activeElement && document.activeElement.dataset.key;
  as.replaceChildren();
  for (const a of board.agents) {
    const tr = document.createElement("tr");
    const c = calls[a.extension];
    [a.extension, a.name, a.status, a.state, a.in_state === null ? "" : `${a.in_state} s`].forEach((v) => cell(tr, v));
    cell(tr, c ? `${c.caller} (${c.queue}, ${c.duration} s)` : "");
    const td = cell(tr, "");
    for (const [label, what] of [["Listen", "listen"], ["Whisper", "whisper"], ["Barge", "barge"], ["Hang up", "hangup"], ["Ready", "ready"], ["Break", "break"], ["Log out", "logout"]]) {
      button(td, label, () => act(a.extension, what));
      td.lastChild.dataset.key = `${a.extension}:${what}`;
    }
    as.appendChild(tr);
  }
  if (focused) {
    const again = as.querySelector(`[data-key="${focused}"]`);
    if (again) again.focus();
  }
}

async function start() {
  try {
    me = await api("GET", "/api/me");
  } catch (e) {
    $("signin-view").hidden = false;
    $("board-view").hidden = true;
    return;
  }
  tenant = me.tenant || new URLSearchParams(location.search).get("tenant");
  $("signin-view").hidden = true;
  $("board-view").hidden = false;
  $("who").textContent = `${me.login} (${tenant})`;
  const es = new EventSource(`/api/tenants/${encodeURIComponent(tenant)}/wallboard/events`);
  es.addEventListener("board", (m) => render(JSON.parse(m.data)));
  es.onerror = () => {
    $("board-error").textContent = "Live updates interrupted; reconnecting…";
  };
}

document.addEventListener("DOMContentLoaded", () => {
  $("signin-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      await api("POST", "/api/session", { login: $("login").value, password: $("password").value });
      await start();
    } catch (e) {
      $("signin-error").textContent = e.message;
    }
  });
  $("signout").addEventListener("click", async () => {
    await api("DELETE", "/api/session").catch(() => null);
    location.reload();
  });
  start();
});
