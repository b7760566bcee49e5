// The soft caller: a clerk signs in at one window with staff id and PIN, and calls, recalls, starts, finishes,
// marks no-shows, transfers and pauses from this page, by mouse or by the keys of the clerk's numpad; it shows
// the cases its unit returned for correction (退回补正) and the clerk's figures of the day.
"use strict";

const PAGE_SESSION = "clerk"; // this page's own session cookie (common.js request)

const REASONS = ["reason_break", "reason_meeting", "reason_away", "reason_system"];
const STORE = { window: "onewindow.caller.window", clerk: "onewindow.caller.clerk" };
const TYPED_MS = 5000; // typed digits left this long are forgotten, as on the keypad

const state = {
  hall: null, // GET /api/v1/hall
  n: null, // the window this session is bound to
  clerk: null, // the clerk signed in on this page
  view: null, // GET /api/v1/windows/<n>
  source: null, // the event stream
  busy: false, // a request is on its way: a second click must not send a second one
  dialog: null, // the open dialog's key handler
  cases: [], // this window's open cases (GET /api/v1/cases?window=n): returned ones to correct
  typed: "", // digits typed in front of a key (2 then * transfers to the hall's 2nd service), as on the keypad
  typedAt: 0,
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
  $("#resubmit-form").addEventListener("submit", sendResubmit);
  $("#resubmit-cancel").addEventListener("click", closeDialog);
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

async function signIn(event) {
  event.preventDefault();
  const body = { window: Number($("#window").value), clerk: $("#clerk").value.trim(), pin: $("#pin").value };
  const answer = await signInWithPin(body);
  if (!answer) return;
  localStorage.setItem(STORE.window, String(body.window));
  localStorage.setItem(STORE.clerk, body.clerk);
  state.clerk = answer.clerk;
  openDesk(body.window);
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
  for (const type of CASE_EVENTS) {
    state.source.addEventListener(type, (message) => {
      if (JSON.parse(message.data).window === state.n) casesSoon();
    });
  }
  onConnection(true);
  refreshCases();
  refreshToday();
}

const refreshSoon = debounce(refresh, 120);
const casesSoon = debounce(refreshCases, 120);
const todaySoon = debounce(refreshToday, 1000);

function onEvent(type, data) {
  if (type === "device.status") return;
  refreshSoon();
  if (type.startsWith("ticket.") && data.window === state.n) todaySoon();
}

function onConnection(up) {
  const node = $("#connection");
  node.textContent = up ? t("connected") : t("offline");
  node.classList.toggle("down", !up);
  if (up) {
    refreshSoon();
    casesSoon(); // a return made while the stream was down
  }
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

/** Pausing waits for the citizen at the window: say so first; a called citizen who did not come may be marked a
 * no-show here, then the window pauses. */
function pauseWarning(current) {
  const called = current.status === "called";
  $("#pause-warning-text").textContent = t(called ? "pause_called_warning" : "pause_serving_warning", {
    number: current.number,
  });
  const noShowThenPause = async () => {
    closeDialog();
    await act("no-show");
    if (state.view && !state.view.current) togglePause();
  };
  const button = $("#pause-warning-no-show");
  button.hidden = !called;
  button.onclick = noShowThenPause;
  $("#pause-warning-back").onclick = closeDialog;
  openDialog("#pause-warning", (event) => {
    if (called && [".", "Delete"].includes(event.key)) {
      noShowThenPause();
      return true;
    }
    if (event.key === "Enter") {
      closeDialog(); // Enter is the safe answer: back to the desk
      return true;
    }
    return false;
  });
  $("#pause-warning-back").focus();
}

function closeDialog() {
  for (const node of document.querySelectorAll(".dialog:not(#confirm)")) node.hidden = true;
  if (state.dialog) document.removeEventListener("keydown", state.dialog, true);
  state.dialog = null;
}

/** A dialog whose keys go to `onKey(event)` first; Esc closes it. */
function openDialog(id, onKey) {
  closeDialog();
  $("#toast").hidden = true; // an earlier message never lies over the dialog
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
          el("span", { class: "note", text: s.available ? t("service_waiting", { n: s.waiting }) : t("unavailable") }),
        ),
      ),
    ),
  );
  const windows = state.hall.windows
    .filter((w) => w.number !== state.n && w.services.includes(current.service))
    .sort((a, b) => Number(b.staffed) - Number(a.staffed)); // those that can take it first, in number order
  $("#transfer-windows").replaceChildren(...windows.map((w) => windowChoice(w, () => go({ window: w.number }))));
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

/** A window in the transfer dialog: its state and queue; one nobody staffs now cannot take the ticket. */
function windowChoice(w, onclick) {
  const kind = !w.clerk && w.state === "open" ? "unstaffed" : w.state;
  const says = kind === "unstaffed" ? t("window_unstaffed") : t(`state_${w.state}`);
  return el(
    "button",
    { class: `quiet window-choice ${kind}`, dataset: { window: w.number }, disabled: !w.staffed, onclick },
    el("strong", { text: w.name }),
    el("span", { class: "window-state", text: says }),
    el("span", { class: "window-queue", text: t("window_waiting", { n: w.waiting + (w.shared || 0) }) }),
  );
}

function togglePause() {
  if (!state.view) return;
  if (state.view.state === "paused") return act("resume");
  if (state.view.current) return pauseWarning(state.view.current);
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

// --- returned cases and the day's figures ---------------------------------------------------------------------
async function refreshCases() {
  if (state.n === null) return;
  try {
    state.cases = (await request("GET", `/api/v1/cases?window=${state.n}`)).body.cases;
  } catch (error) {
    return; // the desk works on without them; the next event tries again
  }
  renderCases();
}

/** The last return of a case: by whom, at which stage, when, and why. */
function lastReturn(item) {
  const steps = item.steps.filter((s) => s.decision === "return");
  return steps.length ? steps[steps.length - 1] : null;
}

function renderCases() {
  const returned = state.cases.filter((c) => c.status === "returned");
  const inFlow = state.cases.length - returned.length;
  $("#returned").hidden = returned.length === 0;
  $("#returned-count").textContent = String(returned.length);
  $("#returned-list").replaceChildren(
    ...returned.map((item, i) => {
      const step = lastReturn(item);
      const stage = step && step.action === "approved" ? t("stage_approve") : t("stage_review");
      return el(
        "li",
        { dataset: { case: item.id } },
        el("span", { class: "number", text: item.number }),
        el(
          "div",
          { class: "what" },
          el("strong", { text: item.service_name }),
          el("span", {
            class: "from",
            text: t("returned_from", { stage, name: (step && step.name) || "", time: clockTime(step && step.at) }),
          }),
          el("q", { class: "note", text: item.note || t("returned_note_none") }),
        ),
        el(
          "button",
          { class: "resubmit", onclick: () => openResubmit(item) },
          el("span", { text: t("resubmit") }),
          i === 0 ? el("kbd", { text: "B" }) : null,
        ),
      );
    }),
  );
  $("#in-flow").hidden = inFlow === 0;
  $("#in-flow").textContent = t("in_flow_n", { n: inFlow });
}

function openResubmit(item) {
  if (!item) return;
  $("#resubmit-title").textContent = t("resubmit_title", { number: item.number });
  $("#resubmit-returned").textContent = item.note || t("returned_note_none");
  $("#resubmit-note").value = "";
  $("#resubmit-error").textContent = "";
  $("#resubmit-form").dataset.case = item.id;
  openDialog("#resubmit", (event) => {
    if (event.key !== "Enter" || event.shiftKey) return false; // Shift+Enter: a new line in the note
    $("#resubmit-form").requestSubmit();
    return true;
  });
  $("#resubmit-note").focus();
}

async function sendResubmit(event) {
  event.preventDefault();
  const item = state.cases.find((c) => c.id === $("#resubmit-form").dataset.case);
  if (!item || state.busy) return;
  state.busy = true;
  try {
    const path = `/api/v1/cases/${encodeURIComponent(item.id)}/resubmit`;
    await request("POST", path, { note: $("#resubmit-note").value.trim() });
    closeDialog();
    toast(t("resubmitted_n", { number: item.number }));
  } catch (error) {
    $("#resubmit-error").textContent = refusal(error);
  } finally {
    state.busy = false;
  }
  refreshCases();
}

/** The clerk's own figures of the day (calls, finished, mean handling) from the core's statistics. */
async function refreshToday() {
  if (state.n === null) return;
  let row;
  try {
    row = (await request("GET", "/api/v1/stats")).body.clerks[0];
  } catch (error) {
    return;
  }
  const figures = row || { calls: 0, finished: 0, mean_handling_s: null };
  $("#today").hidden = false;
  $("#today-calls").textContent = t("today_calls", { n: figures.calls });
  $("#today-finished").textContent = t("today_finished", { n: figures.finished });
  $("#today-handling").textContent = t("today_handling", { t: minutes(figures.mean_handling_s) });
}

// --- keys ------------------------------------------------------------------------------------------------------------
// The clerk's numpad, as on the USB caller keypads (by the key's place, so NumLock off changes nothing), and
// letters for a keyboard without one. As on the keypad, digits only prepare the next key: 2 then * transfers to
// the hall's 2nd service; digits in front of any other key are a slip, cleared, and nothing is sent.
const PAD = {
  NumpadAdd: "call",
  NumpadSubtract: "recall",
  NumLock: "start",
  NumpadEnter: "finish",
  NumpadDecimal: "no_show",
  NumpadMultiply: "transfer",
  NumpadDivide: "pause",
};
const LETTERS = {
  "+": "call",
  c: "call",
  "-": "recall",
  r: "recall",
  s: "start",
  Enter: "finish",
  f: "finish",
  ".": "no_show",
  Delete: "no_show",
  n: "no_show",
  "*": "transfer",
  t: "transfer",
  "/": "pause",
  p: "pause",
  b: "resubmit",
  Backspace: "clear",
  Escape: "clear",
};
const ACTIONS = {
  call: () => act("call"),
  recall: () => act("recall"),
  start: () => act("start"),
  finish: () => act("finish"),
  no_show: noShow,
  transfer: openTransfer,
  pause: togglePause,
  resubmit: () => openResubmit(state.cases.find((c) => c.status === "returned")),
};

function showTyped() {
  const node = $("#typed");
  node.hidden = !state.typed;
  node.textContent = t("typed_n", { digits: state.typed });
}

function typedDigits() {
  if (state.typed && Date.now() - state.typedAt > TYPED_MS) state.typed = "";
  return state.typed;
}

function onKey(event) {
  if (state.n === null || state.dialog || !$("#confirm").hidden) return;
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target && ["INPUT", "SELECT", "TEXTAREA"].includes(target.tagName)) return;
  const digit = /^Numpad(\d)$/.exec(event.code) || /^(\d)$/.exec(event.key);
  const name = PAD[event.code] || LETTERS[event.key.length === 1 ? event.key.toLowerCase() : event.key];
  if (!digit && !name) return;
  event.preventDefault(); // Enter must not also click the focused button, / must not open the browser's search
  if (digit) {
    state.typed = (typedDigits() + digit[1]).slice(-2);
    state.typedAt = Date.now();
    return showTyped();
  }
  const typed = typedDigits();
  state.typed = "";
  showTyped();
  if (name === "clear") return;
  if (typed && name === "transfer") return transferTo(Number(typed));
  if (typed) return toast(t("typed_slip"), "error");
  ACTIONS[name]();
}

/** 2 then *: the current ticket to the hall's 2nd service, as the key card counts them. */
function transferTo(position) {
  const service = state.hall.services[position - 1];
  if (!service) return toast(t("typed_slip"), "error");
  act("transfer", { service: service.id });
}

start();
