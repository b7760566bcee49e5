// The review station (审核审批台): a unit's reviewer or approver signs in by staff id and PIN, at no window, and
// passes or returns the cases the windows handled, oldest first, live, by mouse or by keys.
"use strict";

const PAGE_SESSION = "clerk"; // this page's own session cookie (common.js request)

const DUTY_OF = { in_review: "review", in_approval: "approve" };
const STORE = { clerk: "onewindow.review.clerk" };
const TICK_MS = 15000; // ages and overdue marks move on between events

const state = {
  hall: null, // GET /api/v1/hall
  me: null, // GET /api/v1/session at a review station: id, name, duties, units
  cases: [], // GET /api/v1/cases, oldest first
  fetchedAt: 0, // when `cases` came: ages count on from it
  selected: null, // the selected case's id
  source: null, // the event stream
  busy: false, // a decision is on its way
  decision: null, // the open decision dialog: {item, duty, decision}
  ticker: null,
};

async function start() {
  applyTexts();
  document.title = t("review_title");
  $("#sign-in").addEventListener("submit", signIn);
  $("#sign-out").addEventListener("click", signOut);
  $("#decide-form").addEventListener("submit", sendDecision);
  $("#decide-cancel").addEventListener("click", closeDecision);
  $("#note").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault(); // Enter sends; Shift+Enter is a new line in the note
      $("#decide-form").requestSubmit();
    }
  });
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
  const session = await whoAmI();
  if (session) openStation(session);
  else openSignIn();
}

/** The person signed in at this station, or null. */
async function whoAmI() {
  try {
    const session = (await request("GET", "/api/v1/session")).body;
    return session.signed_in && session.station === "review" ? session : null;
  } catch (error) {
    return null; // an ended session answers 401: sign in again
  }
}

// --- signing in and out ---------------------------------------------------------------------------------------
function openSignIn(message) {
  if (state.source) state.source.close();
  clearInterval(state.ticker);
  state.source = null;
  state.me = null;
  show("sign-in");
  $("#clerk").value = localStorage.getItem(STORE.clerk) || "";
  $("#pin").value = "";
  $("#sign-in-error").textContent = message || "";
  ($("#clerk").value ? $("#pin") : $("#clerk")).focus();
}

async function signIn(event) {
  event.preventDefault();
  const body = { clerk: $("#clerk").value.trim(), pin: $("#pin").value, station: "review" };
  if (!(await signInWithPin(body))) return;
  localStorage.setItem(STORE.clerk, body.clerk);
  const session = await whoAmI();
  if (session) openStation(session);
}

async function signOut() {
  if (!(await ask(t("confirm_sign_out")))) return;
  try {
    await request("DELETE", "/api/v1/session");
  } catch (error) {
    if (error.status !== 401) return toast(refusal(error), "error");
  }
  openSignIn();
}

// --- the station ---------------------------------------------------------------------------------------------
function openStation(me) {
  state.me = me;
  show("station");
  const duties = me.duties.map((d) => t(`duty_${d}`)).join("、");
  const units = me.units.map((u) => u.name).join("、");
  $("#duties").textContent = t("duties_units", { duties, units });
  $("#me").textContent = me.name;
  refresh();
  state.source = follow(state.hall.seq, () => null, onConnection);
  for (const type of CASE_EVENTS) state.source.addEventListener(type, refreshSoon);
  clearInterval(state.ticker);
  state.ticker = setInterval(render, TICK_MS);
}

const refreshSoon = debounce(refresh, 120);

function onConnection(up) {
  const node = $("#connection");
  node.textContent = up ? t("connected") : t("offline");
  node.classList.toggle("down", !up);
  if (up) refreshSoon(); // after a gap, the list as it is now
}

async function refresh() {
  if (!state.me) return;
  try {
    const answer = await request("GET", "/api/v1/cases");
    state.cases = answer.body.cases;
    state.fetchedAt = Date.now();
  } catch (error) {
    if (error.status === 401) return openSignIn(t("session_ended"));
    if (error.status === 0) onConnection(false);
    return;
  }
  render();
}

// --- what a case is to the person at this station -------------------------------------------------------------
/** Seconds since the window's finish at `now` (ms), counted on from the core's figure when the list came. */
function ageOf(item, now) {
  return item.age_s + (now - state.fetchedAt) / 1000;
}

function isOverdue(item, now) {
  return item.limit_min !== null && item.limit_min !== undefined && ageOf(item, now) > item.limit_min * 60;
}

/** Why this person cannot decide the case now, or null when they can. */
function blockedBecause(item) {
  const duty = DUTY_OF[item.status];
  if (!duty) return t("case_returned", { window: windowName(item.window) });
  if (!state.me.duties.includes(duty)) return t("case_not_mine");
  if (item.handlers.includes(state.me.id)) return t("case_own");
  if (duty === "approve" && item.reviewer === state.me.id) return t("case_own_review");
  return null;
}

function windowName(n) {
  const found = state.hall.windows.find((w) => w.number === n);
  return found ? found.name : String(n);
}

function selectedCase() {
  return state.cases.find((c) => c.id === state.selected) || null;
}

// --- drawing ----------------------------------------------------------------------------------------------------
function render() {
  if (!state.me) return;
  const cases = state.cases;
  if (!selectedCase()) {
    const first = cases.find((c) => !blockedBecause(c)) || cases[0];
    state.selected = first ? first.id : null;
  }
  const now = Date.now(); // one moment for the whole list, so the count and the rows agree
  const actionable = cases.filter((c) => !blockedBecause(c)).length;
  const overdue = cases.filter((c) => isOverdue(c, now)).length;
  $("#open-count").textContent = t("cases_open_n", { n: actionable });
  const badge = $("#overdue-count");
  badge.hidden = overdue === 0;
  badge.textContent = t("cases_overdue_n", { n: overdue });
  const rows = cases.map((c) => caseRow(c, now));
  $("#cases").replaceChildren(...(rows.length ? rows : [el("li", { class: "empty", text: t("cases_none") })]));
  const chosen = $("#cases li.selected");
  if (chosen) chosen.scrollIntoView({ block: "nearest" });
}

function stageText(item) {
  if (item.status === "in_review") return t("case_in_review");
  if (item.status === "in_approval") return t("case_in_approval");
  return t("case_returned", { window: windowName(item.window) });
}

function caseRow(item, now) {
  const overdue = isOverdue(item, now);
  const blocked = blockedBecause(item);
  const selected = item.id === state.selected;
  const age = ageOf(item, now);
  const limit =
    item.limit_min === null || item.limit_min === undefined
      ? t("case_no_limit")
      : t("case_limit", { n: item.limit_min });
  const time = overdue
    ? el("span", { class: "late", text: t("case_overdue", { over: minutes(Math.max(60, age - item.limit_min * 60)) }) })
    : el("span", { text: t("case_age", { age: minutes(age) }) });
  const classes = ["case", item.status, overdue ? "overdue" : "", blocked ? "blocked" : "", selected ? "selected" : ""];
  return el(
    "li",
    { class: classes.filter(Boolean).join(" "), dataset: { case: item.id }, onclick: () => select(item.id) },
    el(
      "div",
      { class: "line" },
      el("span", { class: "number", text: item.number }),
      el(
        "span",
        { class: "what" },
        el("strong", { text: item.service_name }),
        el("span", { class: "unit", text: item.unit_name }),
      ),
      el("span", { class: `stage ${item.status}`, text: stageText(item) }),
      el("span", { class: "time" }, time, el("small", { text: limit })),
    ),
    el(
      "div",
      { class: "who" },
      t("case_handled", { window: windowName(item.window), name: item.clerk_name || "—" }),
      item.returns && item.status !== "returned" ? ` · ${t("case_again", { n: item.returns + 1 })}` : "",
    ),
    selected ? caseDetail(item, blocked) : null,
  );
}

function caseDetail(item, blocked) {
  const steps = item.steps.map((s) => {
    const decision = s.decision ? t(`decision_${s.decision}`) : "";
    const what = t(`step_${s.action}`, { decision });
    return el(
      "li",
      { class: s.decision === "return" ? "returned" : "" },
      el("span", { class: "at", text: clockTime(s.at) }),
      el("span", { text: `${what} · ${s.name || s.clerk || ""}` }),
      s.note ? el("q", { text: s.note }) : null,
    );
  });
  return el(
    "div",
    { class: "detail" },
    el("h3", { text: t("history") }),
    el("ol", { class: "steps" }, ...steps),
    blocked ? el("p", { class: "blocked-why", text: blocked }) : null,
    el(
      "div",
      { class: "decide" },
      el(
        "button",
        { class: "pass", disabled: Boolean(blocked), onclick: () => openDecision("pass") },
        el("span", { text: t("pass") }),
        el("kbd", { text: "P" }),
      ),
      el(
        "button",
        { class: "return quiet", disabled: Boolean(blocked), onclick: () => openDecision("return") },
        el("span", { text: t("return_case") }),
        el("kbd", { text: "R" }),
      ),
    ),
  );
}

function select(id) {
  if (state.selected === id) return;
  state.selected = id;
  render();
}

/** ↑ and ↓ move the selection through the list. */
function move(step) {
  const ids = state.cases.map((c) => c.id);
  if (!ids.length) return;
  const at = ids.indexOf(state.selected);
  select(ids[Math.max(0, Math.min(ids.length - 1, at + step))]);
}

// --- deciding -----------------------------------------------------------------------------------------------------
function openDecision(decision) {
  const item = selectedCase();
  if (!item || state.busy) return;
  const blocked = blockedBecause(item);
  if (blocked) return toast(blocked, "error");
  const duty = DUTY_OF[item.status];
  const stage = t(`stage_${duty}`);
  state.decision = { item, duty, decision };
  $("#decide-title").textContent =
    decision === "pass"
      ? t("pass_title", { number: item.number, stage })
      : t("return_title", { number: item.number, window: windowName(item.window) });
  $("#note-label").textContent = decision === "pass" ? t("note_optional") : t("note_required");
  $("#decide-yes-label").textContent = decision === "pass" ? t("pass") : t("return_case");
  $("#decide-yes").className = decision === "pass" ? "pass" : "danger";
  $("#decide-error").textContent = "";
  $("#note").value = "";
  $("#decide").hidden = false;
  $("#note").focus();
}

function closeDecision() {
  $("#decide").hidden = true;
  state.decision = null;
}

async function sendDecision(event) {
  event.preventDefault();
  const open = state.decision;
  if (!open || state.busy) return;
  const note = $("#note").value.trim();
  if (open.decision === "return" && !note) {
    $("#decide-error").textContent = t("note_needed");
    return;
  }
  state.busy = true;
  const path = `/api/v1/cases/${encodeURIComponent(open.item.id)}/${open.duty}`;
  try {
    await request("POST", path, { decision: open.decision, note });
    closeDecision();
    const stage = t(`stage_${open.duty}`);
    const window = windowName(open.item.window);
    const done = open.decision === "pass" ? "passed_n" : "returned_n";
    toast(t(done, { number: open.item.number, stage, window }));
  } catch (error) {
    if (error.status === 401) {
      closeDecision();
      return openSignIn(t("session_ended"));
    }
    $("#decide-error").textContent = refusal(error);
  } finally {
    state.busy = false;
  }
  await refresh();
}

// --- keys -------------------------------------------------------------------------------------------------------------
const KEYS = {
  ArrowDown: () => move(1),
  ArrowUp: () => move(-1),
  j: () => move(1),
  k: () => move(-1),
  Enter: () => openDecision("pass"),
  p: () => openDecision("pass"),
  r: () => openDecision("return"),
  q: signOut,
};

function onKey(event) {
  if (!state.me || !$("#confirm").hidden) return;
  if (state.decision) {
    if (event.key === "Escape") {
      event.preventDefault();
      closeDecision();
    }
    return;
  }
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target && ["INPUT", "SELECT", "TEXTAREA"].includes(target.tagName)) return;
  const action = KEYS[event.key.length === 1 ? event.key.toLowerCase() : event.key];
  if (!action) return;
  event.preventDefault(); // Enter must not also click the focused button
  action();
}

start();
