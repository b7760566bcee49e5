// The soft caller: a clerk signs in at one window with staff id and PIN, and calls, recalls, starts, finishes,
// marks no-shows, transfers and pauses from this page, by mouse or by the keys of the clerk's numpad.
"use strict";

const PAGE_SESSION = "clerk"; // this page's own session cookie (common.js request)

const REASONS = ["reason_break", "reason_meeting", "reason_away", "reason_system"];
const STORE = { window: "onewindow.caller.window", clerk: "onewindow.caller.clerk" };

const state = {
  hall: null, // GET /api/v1/hall
  n: null, // the window this session is bound to
  clerk: null, // the clerk signed in on this page
  view: null, // GET /api/v1/windows/<n>
  source: null, // the event stream
  busy: false, // a request is on its way: a second click must not send a second one
  dialog: null, // the open dialog's key handler
};

async function start() {
  applyTexts();
  document.title = t("caller_title");
  $("#sign-in").addEventListener("submit", signIn);
  $("#sign-out").addEventListener("click", signOut);
  $("#do-call").addEventListener("click", () => act("call"));
  $("#do-recall").addEventListener("click", () => act("recall"));
  $("#do-start").addEventListener("click", () => act("start"));
  $("#do-finish").addEventListener("click", () => act("finish"));
  $("#do-no-show").addEventListener("click", noShow);
  $("#do-transfer").addEventListener("click", openTransfer);
  $("#do-pause").addEventListener("click", togglePause);
  document.addEventListener("keydown", onKey);
  while (!state.hall) {
    try {
      state.hall = (await request("GET", "/api/v1/hall")).body;
    } catch (error) {
      show("sign-in");
      $("#sign-in-error").textContent = t("core_away");
      await new Promise((resolve) => setTimeout(resolve, 3000));
    }
  }
  $("#hall-name").textContent = state.hall.name;
  let session = { signed_in: false };
  try {
    session = (await request("GET", "/api/v1/session")).body;
  } catch (error) {
    // an ended session answers 401: sign in again
  }
  if (session.signed_in && session.kind === "clerk") {
    state.clerk = session.id;
    openDesk(session.window);
  } else {
    openSignIn();
  }
}

// --- signing in and out ---------------------------------------------------------------------------------------
function openSignIn(message) {
  if (state.source) state.source.close();
  state.source = null;
  state.n = null;
  state.view = null;
  show("sign-in");
  const select = $("#window");
  select.replaceChildren(...state.hall.windows.map((w) => el("option", { value: w.number, text: w.name })));
  const stored = localStorage.getItem(STORE.window);
  if (stored && state.hall.windows.some((w) => String(w.number) === stored)) select.value = stored;
  $("#clerk").value = localStorage.getItem(STORE.clerk) || "";
  $("#pin").value = "";
  $("#sign-in-error").textContent = message || "";
  ($("#clerk").value ? $("#pin") : $("#clerk")).focus();
}

let lockedUntil = 0;

async function signIn(event) {
  event.preventDefault();
  const button = $("#sign-in-button");
  if (button.disabled) return;
  const body = { window: Number($("#window").value), clerk: $("#clerk").value.trim(), pin: $("#pin").value };
  button.disabled = true;
  button.textContent = t("signing_in");
  $("#sign-in-error").textContent = "";
  try {
    const answer = (await request("POST", "/api/v1/session", body)).body;
    localStorage.setItem(STORE.window, String(body.window));
    localStorage.setItem(STORE.clerk, body.clerk);
    state.clerk = answer.clerk;
    $("#pin").value = "";
    button.disabled = false;
    button.textContent = t("sign_in");
    openDesk(body.window);
    return;
  } catch (error) {
    $("#pin").value = "";
    $("#pin").focus();
    if (error.status === 429) {
      const match = /(\d+)\s*s/.exec(error.message || "");
      const seconds = match ? Number(match[1]) : 60;
      lockedUntil = Date.now() + seconds * 1000;
      countDown();
      return;
    }
    const texts = { wrong_pin: "wrong_pin", unknown_clerk: "unknown_clerk" };
    $("#sign-in-error").textContent = texts[error.code] ? t(texts[error.code]) : refusal(error);
  }
  button.disabled = false;
  button.textContent = t("sign_in");
}

/** Too many wrong PINs: the core refuses for a while, and the button says how long. */
function countDown() {
  const button = $("#sign-in-button");
  const left = Math.ceil((lockedUntil - Date.now()) / 1000);
  if (left <= 0) {
    button.disabled = false;
    button.textContent = t("sign_in");
    $("#sign-in-error").textContent = "";
    return;
  }
  button.disabled = true;
  button.textContent = t("sign_in");
  $("#sign-in-error").textContent = t("too_many_attempts", { s: left });
  setTimeout(countDown, 1000);
}

async function signOut() {
  if (!(await ask(t("confirm_sign_out")))) return;
  try {
    await request("POST", `/api/v1/windows/${state.n}/sign-out`);
  } catch (error) {
    if (error.status !== 401) {
      toast(refusal(error), "error");
      return;
    }
  }
  openSignIn();
}

// --- the desk ------------------------------------------------------------------------------------------------------
async function openDesk(n) {
  state.n = n;
  show("desk");
  await refresh();
  if (state.n === null) return;
  state.source = follow(state.hall.seq, onEvent, onConnection);
  onConnection(true);
}

const refreshSoon = debounce(refresh, 120);

function onEvent(type, data) {
  if (type === "device.status") return;
  refreshSoon();
}

function onConnection(up) {
  const node = $("#connection");
  node.textContent = up ? t("connected") : t("offline");
  node.classList.toggle("down", !up);
  if (up) refreshSoon();
}

async function refresh() {
  if (state.n === null) return;
  try {
    const [view, hall] = await Promise.all([
      request("GET", `/api/v1/windows/${state.n}`),
      request("GET", "/api/v1/hall"),
    ]);
    state.view = view.body;
    state.hall = hall.body;
  } catch (error) {
    if (error.status === 0) onConnection(false);
    return;
  }
  if (!state.view.clerk || state.view.clerk.id !== state.clerk) {
    // signed out here by the day's end, a keypad, or a sign-in elsewhere: is this page's session still good?
    try {
      const session = (await request("GET", "/api/v1/session")).body;
      if (!session.signed_in) return openSignIn(t("session_ended"));
    } catch (error) {
      return openSignIn(t("session_ended"));
    }
  }
  render();
}

function serviceName(id) {
  const service = state.hall.services.find((s) => s.id === id);
  return service ? service.name : id;
}

function render() {
  const view = state.view;
  $("#desk-window").textContent = view.name;
  const badge = $("#desk-state");
  badge.textContent = t(`state_${view.state}`) + (view.pause_reason ? ` · ${view.pause_reason}` : "");
  badge.className = `state ${view.state}`;
  $("#desk-clerk").textContent = view.clerk ? view.clerk.name : "";
  $("#pause-label").textContent = view.state === "paused" ? t("resume") : t("pause");
  const current = view.current;
  const number = $("#current-number");
  if (current) {
    number.textContent = current.number;
    number.classList.remove("none");
    $("#current-service").textContent = serviceName(current.service);
    let status = t(`status_${current.status}`);
    if (current.status === "called") {
      status += ` · ${clockTime(current.called_at)}`;
      if (current.recalls) status += ` · ${t("recalls", { n: current.recalls, limit: state.hall.recall_limit })}`;
    }
    $("#current-status").textContent = status;
  } else {
    number.textContent = t("nobody_current");
    number.classList.add("none");
    $("#current-service").textContent = "";
    $("#current-status").textContent = "";
  }
  const called = current && current.status === "called";
  $("#do-call").disabled = view.state !== "open";
  $("#do-recall").disabled = !called;
  $("#do-start").disabled = !called;
  for (const id of ["#do-finish", "#do-no-show", "#do-transfer"]) $(id).disabled = !current;
  $("#do-pause").disabled = view.state === "closed";
  // with the shared ones of its services (issued while nobody was staffed), which this window calls in turn
  $("#waiting").textContent = t("waiting_n", { n: view.waiting + (view.shared || 0) });
  const items = view.queue.map((q) =>
    el(
      "li",
      {},
      el("span", { class: "number", text: q.number }),
      el("span", { class: "service", text: serviceName(q.service) }),
      q.priority ? el("span", { class: "priority", text: t("priority") }) : null,
      el("span", { class: "time", text: clockTime(q.issued_at) }),
    ),
  );
  $("#queue").replaceChildren(...(items.length ? items : [el("li", { class: "empty", text: t("queue_empty") })]));
}

// --- actions -------------------------------------------------------------------------------------------------------
const DONE = {
  call: "called_n",
  recall: "recalled_n",
  start: "started_n",
  finish: "finished_n",
  "no-show": "no_show_n",
  transfer: "transferred_n",
};

/** One press, sent once: while it is on its way, further presses are ignored, never queued. */
async function act(action, body) {
  if (state.busy || state.n === null) return;
  state.busy = true;
  try {
    const answer = await request("POST", `/api/v1/windows/${state.n}/${action}`, body);
    if (action === "call" && answer.status === 204) toast(t("nobody_waiting"), "error");
    else if (action === "pause") toast(t("paused_msg"));
    else if (action === "resume") toast(t("resumed_msg"));
    else if (DONE[action]) {
      const ticket = answer.body || {};
      // sent to a service nobody staffs now: its shared queue, named by the service
      const where = ticket.window_name || ticket.window || ticket.service_name;
      toast(t(DONE[action], { number: ticket.number, where }));
    }
  } catch (error) {
    if (error.status === 401) {
      openSignIn(t("session_ended"));
      return;
    }
    toast(refusal(error), "error");
  } finally {
    state.busy = false;
  }
  await refresh();
}

async function noShow() {
  const current = state.view && state.view.current;
  if (!current) return toast(refusal({ code: "no_current_ticket" }), "error");
  // the no-show key again confirms, as on the keypad (the numpad's dot is Delete with NumLock off)
  if (await ask(t("confirm_no_show", { number: current.number }), [".", "Delete", "n", "N"])) act("no-show");
}

function closeDialog() {
  for (const node of document.querySelectorAll(".dialog:not(#confirm)")) node.hidden = true;
  if (state.dialog) document.removeEventListener("keydown", state.dialog, true);
  state.dialog = null;
}

/** A dialog whose keys go to `onKey(event)` first; Esc closes it. */
function openDialog(id, onKey) {
  closeDialog();
  $(id).hidden = false;
  state.dialog = (event) => {
    event.stopPropagation();
    if (event.key === "Escape") {
      event.preventDefault();
      closeDialog();
      return;
    }
    if (onKey(event)) event.preventDefault();
  };
  document.addEventListener("keydown", state.dialog, true);
}

function openTransfer() {
  const current = state.view && state.view.current;
  if (!current) return toast(refusal({ code: "no_current_ticket" }), "error");
  $("#transfer-title").textContent = t("transfer_title", { number: current.number });
  const services = state.hall.services;
  const go = (body) => {
    closeDialog();
    act("transfer", body);
  };
  $("#transfer-services").replaceChildren(
    ...services.map((s, i) =>
      el(
        "li",
        {},
        el(
          "button",
          { class: "quiet", dataset: { service: s.id }, onclick: () => go({ service: s.id }) },
          el("span", { class: "key", text: i < 9 ? String(i + 1) : "" }),
          el("span", { text: s.name }),
          s.available ? null : el("span", { class: "note", text: t("unavailable") }),
        ),
      ),
    ),
  );
  const windows = state.hall.windows.filter(
    (w) => w.number !== state.n && w.staffed && w.services.includes(current.service),
  );
  $("#transfer-windows").replaceChildren(
    ...windows.map((w) =>
      el("button", { class: "quiet", dataset: { window: w.number }, text: w.name, onclick: () => go({ window: w.number }) }),
    ),
  );
  $("#transfer-cancel").onclick = closeDialog;
  openDialog("#transfer", (event) => {
    const digit = Number(event.key);
    if (Number.isInteger(digit) && digit >= 1 && digit <= Math.min(9, services.length)) {
      go({ service: services[digit - 1].id });
      return true;
    }
    return false;
  });
}

function togglePause() {
  if (!state.view) return;
  if (state.view.state === "paused") return act("resume");
  const pause = (reason) => {
    closeDialog();
    act("pause", reason ? { reason } : {});
  };
  $("#pause-reasons").replaceChildren(
    ...REASONS.map((key, i) =>
      el(
        "li",
        {},
        el(
          "button",
          { class: "quiet", onclick: () => pause(t(key)) },
          el("span", { class: "key", text: String(i + 1) }),
          el("span", { text: t(key) }),
        ),
      ),
    ),
  );
  $("#pause-plain").onclick = () => pause(null);
  $("#pause-cancel").onclick = closeDialog;
  openDialog("#pause", (event) => {
    const digit = Number(event.key);
    if (Number.isInteger(digit) && digit >= 1 && digit <= REASONS.length) {
      pause(t(REASONS[digit - 1]));
      return true;
    }
    if (event.key === "Enter" || event.key === "/" || event.key === "p" || event.key === "P") {
      pause(null); // the pause key twice pauses at once, as on the keypad
      return true;
    }
    return false;
  });
}

// --- keys ------------------------------------------------------------------------------------------------------------
// The clerk's numpad, as on the USB caller keypads, and letters for a keyboard without one.
const KEYS = {
  "+": () => act("call"),
  c: () => act("call"),
  "-": () => act("recall"),
  r: () => act("recall"),
  s: () => act("start"),
  Enter: () => act("finish"),
  f: () => act("finish"),
  ".": noShow,
  Delete: noShow, // the numpad's dot with NumLock off
  n: noShow,
  "*": openTransfer,
  t: openTransfer,
  "/": togglePause,
  p: togglePause,
};

function onKey(event) {
  if (state.n === null || state.dialog || !$("#confirm").hidden) return;
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target && ["INPUT", "SELECT", "TEXTAREA"].includes(target.tagName)) return;
  const handler = KEYS[event.key.length === 1 ? event.key.toLowerCase() : event.key];
  if (!handler) return;
  event.preventDefault(); // Enter must not also click the focused button, / must not open the browser's search
  handler();
}

start();
