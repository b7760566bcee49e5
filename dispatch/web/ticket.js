// A ticket's status page (the QR code on the ticket points here): number, service, window, status, people ahead
// and the estimated wait, live; move to another window that serves the same business, or cancel; after the window,
// the stage of the business (审核中, 审批中, 请回窗口补正, 已办结) and the citizen's one rating (好差评).
// The ticket's id in the address is its only credential; the page shows no other ticket's.
"use strict";

const ticketId = decodeURIComponent(location.pathname.split("/")[2] || "");
const ticketPath = `/api/v1/tickets/${encodeURIComponent(ticketId)}`;
const ENDED = ["done", "no_show", "cancelled"];
// served at a window: what the unit still decides, then done (SPEC §10)
const SERVED = ["in_review", "in_approval", "returned", "done"];
// the case's events reach this page too: its stage moves without the window's doing anything
const SCORES = [5, 4, 3, 2, 1];

const state = { hall: null, ticket: null, choices: null, source: null, score: null, reasons: new Set() };

async function start() {
  applyTexts();
  document.title = t("ticket_title");
  $("#cancel").addEventListener("click", cancel);
  $("#open-move").addEventListener("click", () => ($("#move-sheet").hidden = false));
  $("#close-move").addEventListener("click", () => ($("#move-sheet").hidden = true));
  // a tap beside the sheet, or Esc, closes it as on any phone
  $("#move-sheet").addEventListener("click", (event) => {
    if (event.target === $("#move-sheet")) $("#move-sheet").hidden = true;
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && $("#confirm").hidden) $("#move-sheet").hidden = true;
  });
  $("#send-rating").addEventListener("click", sendRating);
  try {
    state.hall = (await request("GET", "/api/v1/hall")).body;
    $("#hall-name").textContent = state.hall.name;
  } catch (error) {
    onConnection(false);
  }
  await load();
  if (state.ticket && state.hall) {
    state.source = follow(state.hall.seq, onEvent, onConnection);
    for (const type of CASE_EVENTS) state.source.addEventListener(type, loadSoon);
    onConnection(true);
  }
}

const loadSoon = debounce(load, 250);

function onEvent(type) {
  if (type !== "device.status") loadSoon();
}

function onConnection(up) {
  const node = $("#connection");
  node.textContent = up ? t("live") : t("offline");
  node.classList.toggle("down", !up);
}

async function load() {
  try {
    state.ticket = (await request("GET", ticketPath)).body;
  } catch (error) {
    if (error.status === 404) {
      show("unknown");
      if (state.source) state.source.close();
    } else {
      onConnection(false);
    }
    return;
  }
  state.choices = null;
  if (state.ticket.status === "waiting") {
    try {
      state.choices = (await request("GET", `/t/${encodeURIComponent(ticketId)}/windows`)).body;
    } catch (error) {
      state.choices = null;
    }
  }
  render();
}

/** Where the ticket is queued or called: its window's name, or null in its service's shared queue. */
function whereName(ticket) {
  return ticket.window_name || (ticket.window === null ? null : String(ticket.window));
}

function render() {
  const ticket = state.ticket;
  show("ticket");
  $("#number").textContent = ticket.number;
  $("#service").textContent = ticket.service_name;
  const status = $("#status");
  const where = whereName(ticket);
  const returnedTo = ticket.case && (ticket.case.window_name || String(ticket.case.window));
  const texts = {
    waiting: where ? `${t("ticket_waiting")} · ${t("at_window", { window: where })}` : t("ticket_waiting"),
    called: t("ticket_called", { window: where }),
    serving: t("ticket_serving", { window: where }),
    done: t("ticket_done"),
    no_show: t("ticket_no_show"),
    cancelled: t("ticket_cancelled"),
    in_review: t("stage_in_review"),
    in_approval: t("stage_in_approval"),
    returned: t("stage_returned", { window: returnedTo }),
  };
  status.textContent = texts[ticket.status] || ticket.status;
  const ended = ENDED.includes(ticket.status);
  status.className = `status ${["called", "returned"].includes(ticket.status) ? "called" : ended ? "ended" : ""}`;
  renderWait(ticket);
  $("#issued").textContent = clockTime(ticket.issued_at);
  $("#waiting-actions").hidden = ticket.status !== "waiting";
  renderChoices();
  renderStage(ticket);
  renderRating(ticket);
  renderGuide(ticket);
}

/** People ahead and the wait, in words that agree with each other (the rule of i18n.js waitFacts). */
function renderWait(ticket) {
  const waiting = ticket.status === "waiting";
  const here = ((state.choices && state.choices.windows) || []).find((w) => w.here);
  const facts = waitFacts(ticket.ahead, ticket.estimated_wait_s, here ? here.busy : false);
  $("#details").hidden = !waiting && !["called", "serving"].includes(ticket.status);
  $("#ahead").textContent = waiting ? facts.ahead : "—";
  $("#wait").textContent = waiting ? facts.wait : "—";
  $("#why").hidden = !(waiting && facts.why);
  $("#why").textContent = waiting && facts.why ? t("why_busy_long") : "";
}

/** One "换个窗口" button with the number of windows to choose from; the list opens in a sheet. */
function renderChoices() {
  const windows = (state.choices && state.choices.windows) || [];
  const shown = windows
    .filter((w) => w.here || w.available)
    .sort((a, b) => (b.here - a.here) || (a.estimated_wait_s - b.estimated_wait_s) || (a.number - b.number));
  const others = shown.filter((w) => !w.here).length;
  $("#open-move").hidden = others === 0;
  $("#open-move").textContent = t("move_open", { n: others });
  if (others === 0) $("#move-sheet").hidden = true;
  $("#windows").replaceChildren(
    ...shown.map((w) => {
      const facts = waitFacts(w.ahead, w.estimated_wait_s, w.busy);
      const line = facts.why ? `${facts.ahead} · ${facts.wait}（${facts.why}）` : `${facts.ahead} · ${facts.wait}`;
      return el(
        "li",
        { dataset: { window: w.number } },
        el(
          "div",
          { class: "info" },
          el("span", { class: "name", text: w.name }),
          el("span", { class: "facts", text: `${t("ahead")} ${line}` }),
        ),
        w.here
          ? el("span", { class: "here", text: t("here") })
          : el("button", { class: "quiet", text: t("move_to"), onclick: () => move(w) }),
      );
    }),
  );
}

/** After the window: the business's steps (经办, 审核, 审批, 办结) and where it stands. */
function renderStage(ticket) {
  const served = SERVED.includes(ticket.status);
  $("#stage").hidden = !served || !ticket.case;
  if (!served || !ticket.case) return;
  const kinds = ticket.case.class === "approve" ? ["handled", "review", "approve", "done"] : ["handled", "review", "done"];
  const reached = { returned: 0, in_review: 1, in_approval: 2, done: kinds.length - 1 }[ticket.status];
  $("#steps").replaceChildren(
    ...kinds.map((kind, i) =>
      el("li", { class: i < reached ? "past" : i === reached ? "now" : "later", text: t(`step_${kind}`) }),
    ),
  );
  const returnedTo = ticket.case.window_name || String(ticket.case.window);
  const words = {
    in_review: t("stage_in_review_text", { unit: ticket.case.unit_name }),
    in_approval: t("stage_in_approval_text", { unit: ticket.case.unit_name }),
    returned: t("stage_returned_text", { window: returnedTo }),
    done: t("stage_done_text"),
  };
  $("#stage-text").textContent = words[ticket.status] || "";
}

/** The citizen's one rating of the service (好差评): here, or already given on the window's evaluator. */
function renderRating(ticket) {
  const served = SERVED.includes(ticket.status);
  const box = $("#rating");
  box.hidden = !served || (!ticket.ratable && !ticket.rating);
  if (box.hidden) return;
  if (ticket.rating) {
    $("#rating-title").textContent = t("rated_title");
    $("#scores").replaceChildren();
    $("#reasons-box").hidden = true;
    $("#send-rating").hidden = true;
    const reasons = ticket.rating.reasons.length ? `（${ticket.rating.reasons.join("、")}）` : "";
    $("#rated").hidden = false;
    $("#rated").textContent = t("rated_text", { label: t(`score_${ticket.rating.score}`) }) + reasons;
    return;
  }
  $("#rating-title").textContent = t("rate_title");
  $("#rated").hidden = true;
  $("#scores").replaceChildren(
    ...SCORES.map((score) =>
      el("button", {
        class: `score s${score}${state.score === score ? " chosen" : ""}`,
        dataset: { score },
        // 非常满意 breaks after 非常 if at all, never inside a word (the button keeps CJK words whole)
        text: t(`score_${score}`).replace("非常", "非常\u200b"),
        "aria-pressed": String(state.score === score),
        onclick: () => choose(score),
      }),
    ),
  );
  const poor = state.score !== null && state.score <= 2;
  $("#reasons-box").hidden = !poor;
  $("#reasons").replaceChildren(
    ...ratingReasons(state.hall).map((reason) =>
      el("button", {
        class: `chip${state.reasons.has(reason) ? " chosen" : ""}`,
        text: reason,
        "aria-pressed": String(state.reasons.has(reason)),
        onclick: () => toggleReason(reason),
      }),
    ),
  );
  $("#send-rating").hidden = state.score === null;
}

function choose(score) {
  state.score = score;
  if (score > 2) state.reasons.clear();
  renderRating(state.ticket);
}

function toggleReason(reason) {
  if (state.reasons.has(reason)) state.reasons.delete(reason);
  else state.reasons.add(reason);
  renderRating(state.ticket);
}

async function sendRating() {
  if (state.score === null) return;
  const body = { score: state.score };
  if (state.score <= 2 && state.reasons.size) body.reasons = [...state.reasons];
  try {
    await request("POST", `${ticketPath}/rating`, body);
    toast(t("rating_thanks"));
  } catch (error) {
    toast(error.code === "already_rated" ? t("already_rated") : refusal(error), "error");
  }
  state.score = null;
  state.reasons.clear();
  await load();
}

/** What to bring, where to go, what happens when called and when the call is missed (过号). */
function renderGuide(ticket) {
  const service = state.hall && state.hall.services.find((s) => s.id === ticket.service);
  const guide = service ? service.guide : "";
  $("#guide-bring-row").hidden = !guide;
  $("#guide-bring").textContent = guide;
  const where = whereName(ticket);
  $("#guide-where").textContent = where ? t("guide_where_window", { window: where }) : t("guide_where_watch");
  const calls = state.hall ? state.hall.recall_limit + 1 : 1;
  $("#guide-called").textContent = t("guide_called_text", { n: calls });
  const rule = (state.hall && state.hall.missed_rule) || t("guide_missed_text");
  const hotline = state.hall && state.hall.hotline ? t("guide_hotline", { phone: state.hall.hotline }) : "";
  $("#guide-missed").textContent = `${rule}${hotline}`;
  // open while the citizen waits for the first time, folded once the business is under way
  if (!$("#guide").dataset.touched) $("#guide").open = ticket.status === "waiting";
}

async function move(w) {
  const facts = waitFacts(w.ahead, w.estimated_wait_s, w.busy);
  const question = t("confirm_move_facts", { window: w.name, wait: facts.wait, ahead: facts.ahead });
  if (!(await ask(question))) return;
  $("#move-sheet").hidden = true;
  try {
    await request("POST", `${ticketPath}/move`, { window: w.number });
    toast(t("moved_to", { window: w.name }));
  } catch (error) {
    toast(refusal(error), "error");
  }
  await load();
}

async function cancel() {
  if (!(await ask(t("confirm_cancel", { number: state.ticket.number })))) return;
  try {
    await request("POST", `${ticketPath}/cancel`);
    toast(t("cancelled_msg"));
  } catch (error) {
    toast(refusal(error), "error");
  }
  await load();
}

$("#guide summary").addEventListener("click", () => ($("#guide").dataset.touched = "1"));
start();
