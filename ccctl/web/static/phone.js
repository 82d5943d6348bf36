// The agent page's WebRTC phone: the seat registers over FreeSWITCH's secure WebSocket (SIP.js,
// vendored: scripts/vendor-js) and answers its queue calls in the page; mute, hold, keypad.
// The seat stays reachable on a desk phone too: FreeSWITCH rings every registration.
import { Web } from "./vendor/sip.js/lib/index.js";

const $ = (id) => document.getElementById(id);
let user = null;
let muted = false;
let held = false;

function state(text) {
  $("phone-state").textContent = text;
}

function inCall(on) {
  for (const id of ["phone-hangup", "phone-mute", "phone-hold", "phone-dtmf"]) $(id).disabled = !on;
  if (!on) {
    muted = held = false;
    $("phone-mute").setAttribute("aria-pressed", "false");
    $("phone-hold").setAttribute("aria-pressed", "false");
  }
}

async function start(me) {
  if (user || !me || me.role !== "agent") return;
  const base = `/api/tenants/${encodeURIComponent(me.tenant)}/agents/${encodeURIComponent(me.extension)}`;
  const r = await fetch(`${base}/phone`, { credentials: "same-origin" });
  if (!r.ok) {
    state("unavailable");
    return;
  }
  const cfg = await r.json();
  user = new Web.SimpleUser(cfg.wss, {
    aor: cfg.aor,
    media: { constraints: { audio: true, video: false }, remote: { audio: $("phone-audio") } },
    userAgentOptions: {
      authorizationUsername: cfg.user,
      authorizationPassword: cfg.password,
      // No STUN server: the box is reached directly, and nothing leaves for the internet.
      sessionDescriptionHandlerFactoryOptions: { peerConnectionConfiguration: { iceServers: [] } },
    },
    delegate: {
      onRegistered: () => state("registered"),
      onUnregistered: () => state("not registered"),
      onServerDisconnect: () => state("disconnected"),
      onCallReceived: () => {
        state("ringing");
        $("phone-answer").disabled = false;
        $("phone-answer").focus();
      },
      onCallAnswered: () => {
        state("in call");
        $("phone-answer").disabled = true;
        inCall(true);
        $("phone-hangup").focus();
      },
      onCallHangup: () => {
        state("registered");
        $("phone-answer").disabled = true;
        inCall(false);
      },
    },
  });
  cfg.password = null;
  state("connecting");
  try {
    await user.connect();
    await user.register();
  } catch (e) {
    state(`failed: ${e.message}`);
  }
}

$("phone-answer").addEventListener("click", () => user && user.answer().catch((e) => state(`failed: ${e.message}`)));
$("phone-hangup").addEventListener("click", () => user && user.hangup().catch(() => null));
$("phone-mute").addEventListener("click", () => {
  if (!user) return;
  muted = !muted;
  muted ? user.mute() : user.unmute();
  $("phone-mute").setAttribute("aria-pressed", String(muted));
});
$("phone-hold").addEventListener("click", async () => {
  if (!user) return;
  held = !held;
  await (held ? user.hold() : user.unhold()).catch(() => null);
  $("phone-hold").setAttribute("aria-pressed", String(held));
  state(held ? "on hold" : "in call");
});
$("phone-dtmf").addEventListener("keydown", (ev) => {
  if (user && /^[0-9*#]$/.test(ev.key)) user.sendDTMF(ev.key).catch(() => null);
});
document.addEventListener("ccctl-desk", (ev) => start(ev.detail));
if (window.ccctlDesk) start(window.ccctlDesk);
