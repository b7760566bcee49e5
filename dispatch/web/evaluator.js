// The web evaluator: a tablet at a window. It signs in once with its device token, shows who serves at the window
// (name, 工号, photo: 亮明身份), five faces when the core arms the window (a ticket finished there), sends the
// citizen's one rating, asks the reasons after a 2 or 1, thanks, and goes idle (no prompt while nothing is ratable).
"use strict";

const PAGE_SESSION = "device"; // this page's own session cookie (common.js request)

const STORE = { device: "onewindow.evaluator.device", token: "onewindow.evaluator.token", window: "onewindow.evaluator.window" };
const SCORES = [5, 4, 3, 2, 1];
const COLOURS = { 5: "#1a9850", 4: "#7cc35b", 3: "#f2b705", 2: "#f46d43", 1: "#d73027" };
// the mouth of each face, in a 100x100 box
const MOUTHS = {
  5: "M27 57 Q50 90 73 57 Z",
  4: "M31 61 Q50 78 69 61",
  3: "M33 66 L67 66",
  2: "M31 72 Q50 59 69 72",
  1: "M27 76 Q50 52 73 76",
};
const THANKS_MS = 5000;
const REASONS_S = 30; // the reasons screen's time: the press is recorded already, the reasons are a plus
// events about the window that change who, if anyone, serves there
const WINDOW_EVENTS = ["window.signed_in", "window.signed_out", "window.paused", "window.resumed", "window.closed", "window.opened"];

const state = {
  hall: null,
  n: null, // the window this tablet stands at
  offset: 0, // the core's clock minus this tablet's, in ms (ratings close by the core's clock)
  armed: null, // {number, until}: the ticket that may be rated now
  inFlight: 0,
  rated: null, // the score the core took for this arming
  refused: 0, // taps the core refused for this arming
  refusedCode: null, // why the core refused the last of them
  source: null,
  ticker: null,
  idleTimer: null,
  window: null, // the window as the core last showed it: its clerk and state
  reasons: null, // {score, chosen: Set, left}: the reasons screen after a 2 or 1
};

async function start() {
  applyTexts();
  document.title = t("evaluator_title");
  $("#setup").addEventListener("submit", setUp);
  while (!state.hall) {
    try {
      state.hall = (await request("GET", "/api/v1/hall")).body;
    } catch (error) {
      await new Promise((resolve) => setTimeout(resolve, 3000));
    }
  }
  state.offset = Date.parse(state.hall.now) - Date.now();
  for (const node of document.querySelectorAll(".hall-name")) node.textContent = state.hall.name;
  let session = await currentSession();
  if (!session) session = await signInStored();
  if (!session) return openSetup();
  begin(session);
}

async function currentSession() {
  try {
    const session = (await request("GET", "/api/v1/session")).body;
    return session.signed_in && session.kind === "device" ? session : null;
  } catch (error) {
    return null;
  }
}

/** Sign in again with the id and token kept on this tablet (its cookie may have been lost with a restart). */
async function signInStored() {
  const device = localStorage.getItem(STORE.device);
  const token = localStorage.getItem(STORE.token);
  if (!device || !token) return null;
  try {
    await request("POST", "/api/v1/session", { device, token });
  } catch (error) {
    return null;
  }
  return currentSession();
}

function openSetup(message) {
  show("setup");
  $("#device").value = localStorage.getItem(STORE.device) || "";
  $("#setup-error").textContent = message || "";
}

async function setUp(event) {
  event.preventDefault();
  const device = $("#device").value.trim();
  const token = $("#token").value.trim();
  try {
    await request("POST", "/api/v1/session", { device, token });
  } catch (error) {
    // 403: the core refuses a caller's token for any page
    const text = error.status === 401 ? t("bad_token") : error.status === 403 ? t("not_an_evaluator") : refusal(error);
    $("#setup-error").textContent = text;
    return;
  }
  const session = await currentSession();
  if (!session || session.device_kind !== "evaluator") {
    await request("DELETE", "/api/v1/session").catch(() => null);
    $("#setup-error").textContent = t("not_an_evaluator");
    return;
  }
  localStorage.setItem(STORE.device, device);
  localStorage.setItem(STORE.token, token);
  $("#token").value = "";
  begin(session);
}

function begin(session) {
  if (session.device_kind !== "evaluator") return openSetup(t("not_an_evaluator"));
  const windows = session.windows || [];
  const asked = new URLSearchParams(location.search).get("window") || localStorage.getItem(STORE.window);
  const chosen = windows.find((n) => String(n) === asked) || (windows.length === 1 ? windows[0] : null);
  if (chosen !== null && chosen !== undefined) return run(chosen);
  show("pick");
  $("#windows").replaceChildren(
    ...windows.map((n) => el("button", { text: windowName(n), dataset: { window: n }, onclick: () => run(n) })),
  );
}

function windowName(n) {
  const w = state.hall.windows.find((x) => x.number === n);
  return w ? w.name : String(n);
}

// --- at the window -------------------------------------------------------------------------------------------------
function run(n) {
  state.n = n;
  localStorage.setItem(STORE.window, String(n));
  for (const node of document.querySelectorAll(".window-name")) node.textContent = windowName(n);
  const w = state.hall.windows.find((x) => x.number === n);
  state.window = w || null;
  renderClerk();
  if (w && w.rating_until) arm({ number: null, until: w.rating_until });
  else idle();
  state.source = follow(state.hall.seq, onEvent, onConnection);
}

function onEvent(type, data) {
  if (data.window !== state.n) return;
  if (WINDOW_EVENTS.includes(type)) refreshWindow();
  if (state.reasons && type === "ticket.started") return endReasons(); // the next citizen is at the counter
  if (type === "ticket.finished" && data.rating_until) {
    arm({ number: data.number, until: data.rating_until });
    return;
  }
  const waiting = state.armed && state.inFlight === 0 && !state.rated && !state.refused; // faces shown, no tap yet
  if (!waiting) return;
  if (type === "ticket.called" && data.rating_until) {
    state.armed.until = data.rating_until; // the next citizen is on the way: only the core's grace is left
  } else if (type === "ticket.called" || type === "ticket.started") {
    idle(); // the next citizen is at the counter: the one before may no longer rate
  } else if (type === "rating.recorded" && (!state.armed.number || data.number === state.armed.number)) {
    idle(); // rated on another keypad of this window, or from the phone
  }
}

function onConnection(up) {
  const node = $("#connection");
  node.hidden = up;
  node.textContent = t("offline");
  node.classList.toggle("down", !up);
}

async function refreshWindow() {
  try {
    state.window = (await request("GET", `/api/v1/windows/${state.n}`)).body;
  } catch (error) {
    return;
  }
  renderClerk();
}

/** Who serves at this window, as the 好差评 norm asks: photo (or the name's first character), name and 工号. */
function renderClerk() {
  const w = state.window;
  const clerk = w && w.clerk;
  const idleCard = $("#idle-clerk");
  const line = $("#rate-clerk");
  const open = !w || w.state === "open";
  if (!clerk || !open) {
    const text = open ? t("evaluator_unstaffed") : t("evaluator_paused");
    idleCard.replaceChildren(el("p", { class: "no-clerk", text }));
    line.replaceChildren();
    return;
  }
  const picture = () =>
    clerk.photo
      ? el("img", { class: "photo", src: clerk.photo, alt: clerk.name })
      : el("span", { class: "photo initial", text: Array.from(clerk.name)[0] || "" });
  idleCard.replaceChildren(
    picture(),
    el(
      "div",
      { class: "who" },
      el("span", { class: "serving", text: t("serving_you") }),
      el("span", { class: "name", text: clerk.name }),
      el("span", { class: "id", text: t("clerk_no", { id: clerk.id }) }),
    ),
  );
  line.replaceChildren(picture(), el("span", { text: `${clerk.name} · ${t("clerk_no", { id: clerk.id })}` }));
}

function serverNow() {
  return Date.now() + state.offset;
}

function idle() {
  state.armed = null;
  state.reasons = null;
  clearInterval(state.ticker);
  clearTimeout(state.idleTimer);
  show("idle");
}

function arm(armed) {
  state.armed = armed;
  state.reasons = null;
  state.rated = null;
  state.refused = 0;
  state.refusedCode = null;
  clearTimeout(state.idleTimer);
  show("rate");
  $("#rate-for").textContent = armed.number ? t("rate_for", { number: armed.number, window: windowName(state.n) }) : windowName(state.n);
  $("#faces").replaceChildren(
    ...SCORES.map((score) =>
      el(
        "button",
        { class: "face", dataset: { score }, "aria-label": t(`score_${score}`), onclick: () => tap(score) },
        face(score),
        el("span", { class: "label", text: t(`score_${score}`) }),
      ),
    ),
  );
  clearInterval(state.ticker);
  const tick = () => {
    const left = Math.ceil((Date.parse(armed.until) - serverNow()) / 1000);
    if (left <= 0 && state.inFlight === 0) return idle();
    $("#countdown").textContent = t("seconds_left", { s: Math.max(0, left) });
  };
  tick();
  state.ticker = setInterval(tick, 1000);
}

/** A citizen's tap: sent at once. The core takes one rating per ticket; any other tap it refuses, kindly shown. */
async function tap(score) {
  if (!state.armed) return;
  for (const node of document.querySelectorAll(".face")) node.classList.toggle("chosen", node.dataset.score === String(score));
  state.inFlight += 1;
  let failed = null;
  try {
    await request("POST", `/api/v1/windows/${state.n}/rating`, { score });
    state.rated = score;
  } catch (error) {
    if (error.status === 409) {
      state.refused += 1;
      state.refusedCode = error.code;
    } else failed = error;
  } finally {
    state.inFlight -= 1;
  }
  if (state.inFlight > 0) return; // the answers of every tap decide what the citizen sees
  if (state.rated !== null && state.rated <= 2 && !state.refused) return askReasons(state.rated);
  if (state.rated !== null) return thank(state.rated, state.refused ? t("already_rated") : null);
  if (state.refused) return farewell(t(state.refusedCode === "already_rated" ? "already_rated" : "rating_over"));
  if (failed && (failed.status === 401 || failed.status === 403)) {
    await signInStored(); // the tablet's session was lost: the citizen taps again, nothing is sent twice
  }
  $("#countdown").textContent = refusal(failed);
}

/** After a 2 or 1 (recorded already): what went wrong, as chips from the hall file; sent with 提交, or when the
 * time is up with what was ticked; 不选了 or nothing ticked sends nothing. */
function askReasons(score) {
  clearInterval(state.ticker);
  // the core takes reasons until rating_window_s after the press: the screen ends a little before
  const left = Math.max(3, Math.min(REASONS_S, state.hall.rating_window_s - 3));
  state.reasons = { score, chosen: new Set(), left };
  show("reasons");
  $("#reasons-sub").textContent = t("reasons_sub", { label: t(`score_${score}`) });
  $("#reason-chips").replaceChildren(
    ...ratingReasons(state.hall).map((reason) =>
      el("button", {
        class: "reason",
        text: reason,
        "aria-pressed": "false",
        onclick: (event) => {
          const chosen = state.reasons && state.reasons.chosen;
          if (!chosen) return;
          if (chosen.has(reason)) chosen.delete(reason);
          else chosen.add(reason);
          event.currentTarget.classList.toggle("chosen", chosen.has(reason));
          event.currentTarget.setAttribute("aria-pressed", String(chosen.has(reason)));
        },
      }),
    ),
  );
  $("#send-reasons").onclick = () => endReasons();
  $("#skip-reasons").onclick = () => {
    if (state.reasons) state.reasons.chosen.clear();
    endReasons();
  };
  const tick = () => {
    if (!state.reasons) return;
    $("#reasons-countdown").textContent = t("seconds_left", { s: state.reasons.left });
    if (state.reasons.left-- <= 0) endReasons();
  };
  tick();
  state.ticker = setInterval(tick, 1000);
}

async function endReasons() {
  const asked = state.reasons;
  if (!asked) return;
  state.reasons = null;
  clearInterval(state.ticker);
  if (asked.chosen.size) {
    try {
      await request("POST", `/api/v1/windows/${state.n}/rating/reasons`, { reasons: [...asked.chosen] });
    } catch (error) {
      // the rating itself stands; only its reasons were refused (too late, or given already)
    }
  }
  thank(asked.score);
}

function thank(score, note) {
  clearInterval(state.ticker);
  show("thanks");
  $("#thanks-face").replaceChildren(face(score));
  $("#thanks-title").textContent = t("thanks");
  const label = t(`score_${score}`);
  $("#thanks-sub").textContent = note || (score <= 2 ? t("sorry_sub") : t("thanks_sub", { label }));
  state.idleTimer = setTimeout(idle, THANKS_MS);
}

function farewell(text) {
  clearInterval(state.ticker);
  show("thanks");
  $("#thanks-face").replaceChildren();
  $("#thanks-title").textContent = text;
  $("#thanks-sub").textContent = "";
  state.idleTimer = setTimeout(idle, THANKS_MS);
}

/** A face for a score, drawn: green and laughing for 5, red and sad for 1. */
function face(score) {
  const ns = "http://www.w3.org/2000/svg";
  const node = (tag, attributes) => {
    const child = document.createElementNS(ns, tag);
    for (const [name, value] of Object.entries(attributes)) child.setAttribute(name, value);
    return child;
  };
  const svg = node("svg", { viewBox: "0 0 100 100", "aria-hidden": "true" });
  svg.append(node("circle", { cx: 50, cy: 50, r: 46, fill: COLOURS[score] }));
  svg.append(node("circle", { cx: 35, cy: 40, r: 6, fill: "#1b2430" }));
  svg.append(node("circle", { cx: 65, cy: 40, r: 6, fill: "#1b2430" }));
  const filled = score === 5;
  svg.append(
    node("path", {
      d: MOUTHS[score],
      fill: filled ? "#1b2430" : "none",
      stroke: "#1b2430",
      "stroke-width": 6,
      "stroke-linecap": "round",
      "stroke-linejoin": "round",
    }),
  );
  if (score === 1) {
    svg.append(node("path", { d: "M25 27 L42 33 M75 27 L58 33", stroke: "#1b2430", "stroke-width": 5, "stroke-linecap": "round" }));
  }
  return svg;
}

start();
