// A ticket's status page (the QR code on the ticket points here): number, service, window, status, people ahead
// and the estimated wait, live; move to another window that serves the same business, or cancel.
// The ticket's id in the address is its only credential; the page shows no other ticket's.
"use strict";

const ticketId = decodeURIComponent(location.pathname.split("/")[2] || "");
const ticketPath = `/api/v1/tickets/${encodeURIComponent(ticketId)}`;
const ENDED = ["done", "no_show", "cancelled"];

const state = { hall: null, ticket: null, choices: null, source: null };

async function start() {
  applyTexts();
  document.title = t("ticket_title");
  $("#cancel").addEventListener("click", cancel);
  try {
    state.hall = (await request("GET", "/api/v1/hall")).body;
    $("#hall-name").textContent = state.hall.name;
  } catch (error) {
    onConnection(false);
  }
  await load();
  if (state.ticket && state.hall) {
    state.source = follow(state.hall.seq, onEvent, onConnection);
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

function render() {
  const ticket = state.ticket;
  show("ticket");
  $("#number").textContent = ticket.number;
  $("#service").textContent = ticket.service_name;
  const status = $("#status");
  // a ticket in its service's shared queue (nobody staffed when it was issued) has no window yet
  const where = ticket.window_name || (ticket.window === null ? null : String(ticket.window));
  const texts = {
    waiting: where ? `${t("ticket_waiting")} · ${t("at_window", { window: where })}` : t("ticket_waiting"),
    called: t("ticket_called", { window: where }),
    serving: t("ticket_serving", { window: where }),
    done: t("ticket_done"),
    no_show: t("ticket_no_show"),
    cancelled: t("ticket_cancelled"),
  };
  status.textContent = texts[ticket.status] || ticket.status;
  status.className = `status ${ticket.status === "called" ? "called" : ENDED.includes(ticket.status) ? "ended" : ""}`;
  const waiting = ticket.status === "waiting";
  $("#ahead").textContent = waiting ? t("ahead_n", { n: ticket.ahead }) : "—";
  $("#wait").textContent = waiting ? minutes(ticket.estimated_wait_s) : "—";
  $("#issued").textContent = clockTime(ticket.issued_at);
  $("#cancel").hidden = !waiting;
  renderChoices();
}

function renderChoices() {
  const windows = (state.choices && state.choices.windows) || [];
  const shown = windows.filter((w) => w.here || w.available);
  $("#choices").hidden = shown.length < 2;
  $("#windows").replaceChildren(
    ...shown.map((w) =>
      el(
        "li",
        { dataset: { window: w.number } },
        el(
          "div",
          { class: "info" },
          el("span", { class: "name", text: w.name }),
          el("span", {
            class: "facts",
            text: `${t("ahead")} ${t("ahead_n", { n: w.ahead })} · ${minutes(w.estimated_wait_s)}`,
          }),
        ),
        w.here
          ? el("span", { class: "here", text: t("here") })
          : el("button", { class: "quiet", text: t("move_to"), onclick: () => move(w) }),
      ),
    ),
  );
}

async function move(w) {
  const question = t("confirm_move", { window: w.name, wait: minutes(w.estimated_wait_s), ahead: w.ahead });
  if (!(await ask(question))) return;
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

start();
