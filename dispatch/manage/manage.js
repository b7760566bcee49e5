// The managers' and auditors' page: reads the core's API, follows its event stream, nothing else.
"use strict";

const TEXT = {
  "zh-Hans": {
    offline: "未连接", online: "实时", logout: "退出", sign_in: "管理人员登录", user: "用户名", password: "密码",
    enter: "登录", windows: "窗口", services: "业务", stats: "统计", by_window: "按窗口", by_clerk: "按人员",
    by_service: "按业务", follow_up: "差评整改", devices: "设备状态", audit: "操作日志",
    open: "办理中", paused: "暂停", closed: "关闭", idle: "空闲", nobody: "未登录", waiting: "等候",
    close: "关闭窗口", reopen: "开放窗口", service: "业务", estimate: "预计等候", minutes: "分钟",
    window: "窗口", clerk: "人员", issued: "取号", calls: "叫号", transfers: "转移", finished: "办结", no_shows: "过号",
    mean_wait: "平均等候",
    p95_wait: "95%等候", mean_handling: "平均办理", rating: "评价 5/4/3/2/1", not_rated: "未评价", mean: "均分",
    number: "号码", score: "评价", at: "时间", note: "整改情况", record: "记录", done: "已整改",
    nothing: "无", device: "设备", kind: "类型", state: "状态", last_seen: "最后联系", message: "说明",
    seq: "序号", actor: "操作人", action: "操作", detail: "内容", chain_ok: "校验通过", chain_bad: "校验失败",
    wrong: "用户名或密码错误", session_lost: "登录已失效，请重新登录", only_managers: "仅管理人员可操作",
    hours: "办理时间", closed_all_day: "今日不办公", end_day: "结束今日",
    end_day_confirm: "结束今日：所有等候中的号将被取消，所有窗口人员签退。确定结束吗？",
    day_ended: (n, m) => `今日已结束：取消 ${n} 个号，${m} 个窗口签退`,
    end_day_busy: "以下窗口仍在办理，请先办结", failed: "操作失败",
    scores: { 5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意" },
  },
  "zh-Hant": {
    offline: "未連線", online: "即時", logout: "登出", sign_in: "管理人員登入", user: "使用者", password: "密碼",
    enter: "登入", windows: "窗口", services: "業務", stats: "統計", by_window: "按窗口", by_clerk: "按人員",
    by_service: "按業務", follow_up: "差評整改", devices: "設備狀態", audit: "操作日誌",
    open: "辦理中", paused: "暫停", closed: "關閉", idle: "空閒", nobody: "未登入", waiting: "等候",
    close: "關閉窗口", reopen: "開放窗口", service: "業務", estimate: "預計等候", minutes: "分鐘",
    window: "窗口", clerk: "人員", issued: "取號", calls: "叫號", transfers: "轉移", finished: "辦結", no_shows: "過號",
    mean_wait: "平均等候",
    p95_wait: "95%等候", mean_handling: "平均辦理", rating: "評價 5/4/3/2/1", not_rated: "未評價", mean: "均分",
    number: "號碼", score: "評價", at: "時間", note: "整改情況", record: "記錄", done: "已整改",
    nothing: "無", device: "設備", kind: "類型", state: "狀態", last_seen: "最後聯繫", message: "說明",
    seq: "序號", actor: "操作人", action: "操作", detail: "內容", chain_ok: "校驗通過", chain_bad: "校驗失敗",
    wrong: "使用者或密碼錯誤", session_lost: "登入已失效，請重新登入", only_managers: "僅管理人員可操作",
    hours: "辦理時間", closed_all_day: "今日不辦公", end_day: "結束今日",
    end_day_confirm: "結束今日：所有等候中的號將被取消，所有窗口人員簽退。確定結束嗎？",
    day_ended: (n, m) => `今日已結束：取消 ${n} 個號，${m} 個窗口簽退`,
    end_day_busy: "以下窗口仍在辦理，請先辦結", failed: "操作失敗",
    scores: { 5: "非常滿意", 4: "滿意", 3: "基本滿意", 2: "不滿意", 1: "非常不滿意" },
  },
  en: {
    offline: "offline", online: "live", logout: "Sign out", sign_in: "Staff sign-in", user: "User", password: "Password",
    enter: "Sign in", windows: "Windows", services: "Services", stats: "Figures", by_window: "By window",
    by_clerk: "By clerk", by_service: "By service", follow_up: "Poor ratings to follow up", devices: "Devices",
    audit: "Operation log", open: "serving", paused: "paused", closed: "closed", idle: "idle", nobody: "nobody",
    waiting: "waiting", close: "Close", reopen: "Open", service: "Service", estimate: "Estimated wait",
    minutes: "min", window: "Window", clerk: "Clerk", issued: "Issued", calls: "Calls", transfers: "Transfers",
    finished: "Finished", no_shows: "No-shows",
    mean_wait: "Mean wait", p95_wait: "p95 wait", mean_handling: "Mean handling", rating: "Ratings 5/4/3/2/1",
    not_rated: "Not rated", mean: "Mean", number: "Number", score: "Rating", at: "Time", note: "Follow-up",
    record: "Record", done: "done", nothing: "none", device: "Device", kind: "Kind", state: "State",
    last_seen: "Last seen", message: "Message", seq: "#", actor: "Who", action: "What", detail: "Details",
    chain_ok: "chain intact", chain_bad: "ALTERED", wrong: "Wrong user or password", session_lost: "Your session ended; please sign in again",
    only_managers: "managers only",
    hours: "Hours", closed_all_day: "closed today", end_day: "End the day",
    end_day_confirm: "End the day: every waiting ticket is cancelled and every clerk signed out. End it?",
    day_ended: (n, m) => `Day ended: ${n} tickets cancelled, ${m} clerks signed out`,
    end_day_busy: "Still serving; finish these first", failed: "Refused",
    scores: { 5: "very satisfied", 4: "satisfied", 3: "fair", 2: "dissatisfied", 1: "very dissatisfied" },
  },
};

let t = TEXT["zh-Hans"];
let me = null;
let hall = null;
let group = "windows";
let refreshTimer = null;

const $ = (s) => document.querySelector(s);
const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v; else if (k.startsWith("on")) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c ?? ""));
  return e;
};

// The page's own session: a browser signed in at /caller as well keeps the two apart (X-Onewindow-Session).
async function api(method, path, body) {
  const opts = { method, headers: { Accept: "application/json", "X-Onewindow-Session": "user" }, credentials: "same-origin" };
  if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
  const r = await fetch(path, opts);
  const data = r.status === 204 ? null : await r.json().catch(() => null);
  if (!r.ok) {
    // a session ended (logged out elsewhere, the core restarted): back to the sign-in form, saying why
    if (me && r.status === 401 && path !== "/api/v1/session") {
      lostSession();
    }
    throw Object.assign(new Error(data?.error?.message || r.status), { status: r.status, data });
  }
  return data;
}

function lostSession() {
  me = null;
  if (source) { source.close(); source = null; }
  showLogin();
  $("#login-error").textContent = t.session_lost;
}

function translate() {
  document.querySelectorAll("[data-t]").forEach((e) => { e.textContent = t[e.dataset.t] ?? e.textContent; });
}

const minutes = (s) => (s == null ? "—" : `${Math.round(s / 60)} ${t.minutes}`);
const secs = (s) => (s == null ? "—" : s < 90 ? `${Math.round(s)} s` : `${(s / 60).toFixed(1)} ${t.minutes}`);
const time = (iso) => (iso ? iso.slice(11, 19) : "—");

function row(cells, head = false) {
  return el("tr", {}, ...cells.map((c) => el(head ? "th" : "td", typeof c === "object" && !(c instanceof Node) ? c.attrs : {},
    typeof c === "object" && !(c instanceof Node) ? c.value : c)));
}

function renderHall() {
  $("#hall-name").textContent = hall.name;
  $("#today").textContent = hall.hours ? `${hall.day} · ${t.hours} ${hall.hours.today || t.closed_all_day}` : hall.day;
  $("#end-day").hidden = me?.role !== "manager";
  const windows = $("#windows");
  windows.replaceChildren();
  for (const w of hall.windows) {
    const state = w.state === "open" ? (w.current ? "open" : "idle") : w.state;
    const card = el("div", { class: `window ${w.state}`, "data-window": w.number },
      el("div", { class: "n" }, w.name),
      el("div", { class: "current" }, w.current ? w.current.number : ""),
      el("div", { class: "meta" }, `${t[state]} · ${w.clerk ? w.clerk.name : t.nobody} · ${t.waiting} ${w.waiting}`));
    if (me?.role === "manager") {
      const closed = w.state === "closed";
      card.append(el("button", { onclick: () => api("POST", `/api/v1/windows/${w.number}/${closed ? "open" : "close"}`, {}).then(refresh) },
        closed ? t.reopen : t.close));
    }
    windows.append(card);
  }
  const services = $("#services");
  services.replaceChildren(row([t.service, t.waiting, t.estimate], true));
  for (const s of hall.services) {
    services.append(row([`${s.prefix} · ${s.name}`, s.waiting, s.available ? minutes(s.estimated_wait_s) : t.closed]));
  }
}

// Ending the day cancels every waiting ticket and signs every clerk out: asked first, and refused by the core
// while a citizen is at a counter, which the page names from the hall it shows.
async function endDay() {
  const note = $("#end-day-note");
  if (!window.confirm(t.end_day_confirm)) return;
  try {
    const ended = await api("POST", "/api/v1/day/end", {});
    note.className = "ok";
    note.textContent = t.day_ended(ended.cancelled.length, ended.signed_out.length);
  } catch (err) {
    note.className = "bad";
    const busy = hall.windows.filter((w) => w.current).map((w) => `${w.name} ${w.current.number}`);
    note.textContent = err.data?.error?.code === "current_ticket" && busy.length
      ? `${t.end_day_busy}: ${busy.join("、")}` : `${t.failed}: ${err.message}`;
  }
  refresh();
}

async function renderStats() {
  const date = $("#stats-date").value || hall.day;
  const stats = await api("GET", `/api/v1/stats?date=${date}`);
  const table = $("#stats");
  const first = { windows: t.window, clerks: t.clerk, services: t.service }[group];
  table.replaceChildren(row([first, t.issued, t.calls, t.finished, t.no_shows, t.transfers, t.mean_wait, t.p95_wait,
    t.mean_handling, t.rating, t.not_rated, t.mean], true));
  const names = Object.fromEntries(hall.services.map((s) => [s.id, s.name]));
  const label = (r) => (group === "windows" ? `${r.window}` : group === "clerks" ? `${r.name} (${r.clerk})` : names[r.service] || r.service);
  for (const r of [...stats[group], { ...stats.hall, total: true }]) {
    const g = r.ratings;
    table.append(row([r.total ? "∑" : label(r), r.issued, r.calls, r.finished, r.no_shows, r.transfers,
      secs(r.mean_wait_s), secs(r.p95_wait_s), secs(r.mean_handling_s), `${g["5"]}/${g["4"]}/${g["3"]}/${g["2"]}/${g["1"]}`, g.not_rated, g.mean ?? "—"]));
  }
}

async function renderRatings() {
  const { ratings } = await api("GET", "/api/v1/ratings?flagged=1");
  const table = $("#ratings");
  table.replaceChildren(row([t.at, t.number, t.window, t.clerk, t.score, t.note], true));
  if (!ratings.length) table.append(row([t.nothing, "", "", "", "", ""]));
  for (const r of ratings.slice().reverse()) {
    let note;
    if (r.follow_up) note = el("span", { class: "ok" }, `${t.done}: ${r.follow_up} (${r.follow_up_by})`);
    else if (me?.role === "manager") {
      const input = el("input", { type: "text", required: "", "aria-label": t.note });
      note = el("form", { onsubmit: (e) => { e.preventDefault(); api("POST", `/api/v1/ratings/${r.id}/follow-up`, { note: input.value }).then(renderRatings); } },
        input, el("button", { type: "submit" }, t.record));
    } else note = t.only_managers;
    table.append(row([`${r.day} ${time(r.at)}`, r.number, r.window, r.clerk ?? "—", { value: `${r.score} ${t.scores[r.score]}`, attrs: { class: "bad" } }, { value: note, attrs: { class: "text" } }]));
  }
}

async function renderDevices() {
  const { devices } = await api("GET", "/api/v1/devices");
  const table = $("#devices");
  table.replaceChildren(row([t.device, t.kind, t.state, t.last_seen, t.message], true));
  for (const d of devices) {
    const parts = Object.entries(d.status?.parts || {}).filter(([, p]) => p.state !== "ok").map(([n, p]) => `${n}: ${p.message || p.state}`);
    const message = [d.status?.message, ...parts].filter(Boolean).join(" · ");
    const state = !d.online ? t.offline : d.status?.ok === false ? "⚠" : "✓";
    table.append(row([d.id, d.kind, { value: state, attrs: { class: d.online && d.status?.ok !== false ? "ok" : "bad" } }, time(d.last_seen), { value: message, attrs: { class: "text" } }]));
  }
}

async function renderAudit() {
  if (!["auditor", "manager"].includes(me?.role)) { $("#audit-section").hidden = true; return; }
  const [{ entries }, check] = await Promise.all([api("GET", "/api/v1/audit?limit=50"), api("GET", "/api/v1/audit/verify")]);
  const badge = $("#audit-check");
  badge.textContent = check.ok ? `${t.chain_ok} · ${check.message}` : `${t.chain_bad}: ${check.message}`;
  badge.className = check.ok ? "badge" : "badge bad";
  const table = $("#audit");
  table.replaceChildren(row([t.seq, t.at, t.actor, t.action, t.detail], true));
  for (const e of entries) {
    const { at, ...rest } = e.data;
    table.append(row([e.seq, time(at), e.actor, e.action, { value: JSON.stringify(rest), attrs: { class: "text" } }]));
  }
}

async function refresh() {
  hall = await api("GET", "/api/v1/hall");
  renderHall();
  await Promise.all([renderStats(), renderRatings(), renderDevices(), renderAudit()]).catch(() => null);
}

let source = null;

function follow() {
  if (source) source.close();
  source = new EventSource(`/api/v1/events?after=${hall.seq}`);
  source.onopen = () => { $("#live").className = "live"; $("#live").textContent = t.online; };
  source.onerror = () => {
    $("#live").className = "live off";
    $("#live").textContent = t.offline;
    // turned away (too many streams from this address): EventSource gives up, so the page tries again later
    if (source.readyState === EventSource.CLOSED) setTimeout(() => refresh().finally(follow), 10000);
  };
  source.onmessage = () => {};
  const later = () => { clearTimeout(refreshTimer); refreshTimer = setTimeout(refresh, 400); };
  for (const type of ["ticket.issued", "ticket.called", "ticket.finished", "ticket.no_show", "ticket.moved",
    "ticket.transferred", "ticket.cancelled", "window.paused", "window.resumed", "window.signed_in",
    "window.signed_out", "window.closed", "window.opened", "rating.recorded", "device.status"]) {
    source.addEventListener(type, later);
  }
}

function showLogin() {
  $("#login").hidden = false;
  $("#main").hidden = true;
  $("#logout").hidden = true;
}

async function start() {
  hall = await api("GET", "/api/v1/hall");
  t = TEXT[hall.locale] || TEXT["zh-Hans"];
  document.documentElement.lang = hall.locale;
  translate();
  $("#hall-name").textContent = hall.name;
  let session;
  try {
    session = await api("GET", "/api/v1/session");
  } catch (err) {
    if (err.status !== 401) throw err;
    session = { signed_in: false };
    $("#login-error").textContent = t.session_lost;  // a cookie the core no longer knows: say why
  }
  if (!session.signed_in || session.kind !== "user") { showLogin(); return; }
  me = session;
  $("#who").textContent = `${session.id} (${session.role})`;
  $("#logout").hidden = false;
  $("#login").hidden = true;
  $("#main").hidden = false;
  $("#stats-date").value = hall.day;
  await refresh();
  follow();
}

$("#login-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = new FormData(e.target);
  try {
    await api("POST", "/api/v1/session", { user: form.get("user"), password: form.get("password") });
    $("#login-error").textContent = "";
    start();
  } catch (err) {
    $("#login-error").textContent = err.status === 401 ? t.wrong : err.message;
  }
});
$("#logout").addEventListener("click", () => api("DELETE", "/api/v1/session").then(() => location.reload()));
$("#stats-date").addEventListener("change", renderStats);
$("#end-day").addEventListener("click", endDay);
document.querySelectorAll(".tabs button").forEach((b) => b.addEventListener("click", () => {
  document.querySelectorAll(".tabs button").forEach((x) => x.classList.toggle("on", x === b));
  group = b.dataset.group;
  renderStats();
}));
start();
