// What every page shares: requests to the core, the event stream, small DOM helpers.
"use strict";

const EVENT_TYPES = [
  "ticket.issued", "ticket.called", "ticket.recalled", "ticket.started", "ticket.finished", "ticket.no_show",
  "ticket.moved", "ticket.transferred", "ticket.cancelled", "window.paused", "window.resumed",
  "window.signed_in", "window.signed_out", "window.closed", "window.opened", "rating.recorded", "device.status",
];
// a page that shows cases (the soft caller, the review station, the ticket page) listens for these as well
const CASE_EVENTS = ["case.opened", "case.reviewed", "case.approved", "case.returned", "case.done"];

/** A request to the core. Resolves to {status, body}; rejects with {status, code, message} on an error
 * (status 0: the core did not answer). Writes always send JSON, as cookie-signed-in pages must. A page that
 * signs in names its kind of session in PAGE_SESSION ("clerk", "device"), sent with every request, so that
 * the same browser signed in on another page keeps the two apart. */
async function request(method, path, body) {
  const options = { method, headers: { Accept: "application/json" }, credentials: "same-origin" };
  if (typeof PAGE_SESSION !== "undefined") options.headers["X-Onewindow-Session"] = PAGE_SESSION;
  if (method !== "GET") {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body || {});
  }
  let response;
  try {
    response = await fetch(path, options);
  } catch (exc) {
    throw { status: 0, code: "unreachable", message: String(exc) };
  }
  let data = null;
  const text = await response.text();
  if (text) {
    try {
      data = JSON.parse(text);
    } catch (exc) {
      data = null;
    }
  }
  if (!response.ok) {
    const error = (data && data.error) || {};
    throw { status: response.status, code: error.code || "error", message: error.message || response.statusText };
  }
  return { status: response.status, body: data };
}

/** Follow the core's events from `seq` on. EventSource reconnects by itself and resumes with Last-Event-ID, but
 * gives up when the core turns the stream away (429 or 503: too many streams from this address or in all), so then
 * a new one starts from the last event heard, a while later. `onEvent(type, data)` hears each event once,
 * `onConnection(up)` the stream's state; the returned `close()` stops it all. */
function follow(seq, onEvent, onConnection) {
  let last = seq;
  let source = null;
  let retry = null;
  const extra = []; // [type, fn] a page added: attached again to every stream this one reopens
  const listen = (type, fn) => {
    source.addEventListener(type, (message) => {
      if (message.lastEventId) last = message.lastEventId;
      fn(message);
    });
  };
  const open = () => {
    source = new EventSource(`/api/v1/events?after=${encodeURIComponent(last)}`);
    for (const type of EVENT_TYPES) {
      listen(type, (message) => {
        let data = {};
        try {
          data = JSON.parse(message.data);
        } catch (exc) {
          return;
        }
        onEvent(type, data);
      });
    }
    for (const [type, fn] of extra) listen(type, fn);
    source.onopen = () => onConnection && onConnection(true);
    source.onerror = () => {
      onConnection && onConnection(false);
      // turned away (too many streams from this address): EventSource gives up, so the page opens a new one later
      if (source.readyState === EventSource.CLOSED) retry = setTimeout(open, 10000 + Math.random() * 10000);
    };
  };
  open();
  return {
    addEventListener(type, fn) {
      extra.push([type, fn]);
      listen(type, fn);
    },
    close() {
      clearTimeout(retry);
      source.close();
    },
  };
}

/** Call `fn` once, `ms` after the last of a burst of calls (a call is several events). */
function debounce(fn, ms) {
  let timer = null;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(fn, ms);
  };
}

function $(selector, root) {
  return (root || document).querySelector(selector);
}

/** A new element: el("li", {class: "x", text: "…"}, child…). */
function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "text") node.textContent = value;
    else if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

function show(section) {
  for (const node of document.querySelectorAll("[data-view]")) node.hidden = node.dataset.view !== section;
}

/** "08:42" in the hall's time, from an ISO time with its offset. */
function clockTime(iso) {
  if (!iso) return "";
  const match = /T(\d\d:\d\d)/.exec(iso);
  return match ? match[1] : iso;
}

/** A short message at the bottom of the screen; kind "ok" or "error". */
let toastTimer = null;
function toast(text, kind) {
  const node = $("#toast");
  if (!node) return;
  node.textContent = text;
  node.className = `toast ${kind || "ok"}`;
  node.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    node.hidden = true;
  }, 4000);
}

/** A yes/no question in the page's dialog; resolves true or false. Enter (and `yesKeys`) answer yes, Esc no. */
function ask(question, yesKeys) {
  return new Promise((resolve) => {
    const dialog = $("#confirm");
    $("#confirm-text").textContent = question;
    const done = (answer) => {
      dialog.hidden = true;
      document.removeEventListener("keydown", onKey, true);
      resolve(answer);
    };
    const onKey = (event) => {
      if (event.key === "Enter" || (yesKeys || []).includes(event.key)) {
        event.preventDefault();
        event.stopPropagation();
        done(true);
      } else if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        done(false);
      }
    };
    $("#confirm-yes").onclick = () => done(true);
    $("#confirm-no").onclick = () => done(false);
    document.addEventListener("keydown", onKey, true);
    dialog.hidden = false;
    $("#confirm-yes").focus();
  });
}

// --- a clerk's sign-in form (the soft caller, the review station) ----------------------------------------------
let lockedUntil = 0;

/** POST the page's sign-in `body` from its form (#sign-in-button, #pin, #sign-in-error): the button busy meanwhile,
 * a wrong PIN said, too many counted down on the button. The core's answer once signed in, null when refused. */
async function signInWithPin(body) {
  const button = $("#sign-in-button");
  if (button.disabled) return null;
  button.disabled = true;
  button.textContent = t("signing_in");
  $("#sign-in-error").textContent = "";
  try {
    const answer = (await request("POST", "/api/v1/session", body)).body;
    $("#pin").value = "";
    button.disabled = false;
    button.textContent = t("sign_in");
    return answer;
  } catch (error) {
    $("#pin").value = "";
    $("#pin").focus();
    if (error.status === 429) {
      const match = /(\d+)\s*s/.exec(error.message || "");
      lockedUntil = Date.now() + (match ? Number(match[1]) : 60) * 1000;
      countDown();
      return null;
    }
    // an unknown id is answered as a wrong PIN (issue 12): no answer tells which ids exist
    $("#sign-in-error").textContent = error.code === "wrong_pin" ? t("wrong_pin") : refusal(error);
  }
  button.disabled = false;
  button.textContent = t("sign_in");
  return null;
}

/** Too many wrong PINs: the core refuses for a while, and the button says how long. */
function countDown() {
  const button = $("#sign-in-button");
  const left = Math.ceil((lockedUntil - Date.now()) / 1000);
  button.disabled = left > 0;
  button.textContent = t("sign_in");
  $("#sign-in-error").textContent = left > 0 ? t("too_many_attempts", { s: left }) : "";
  if (left > 0) setTimeout(countDown, 1000);
}
