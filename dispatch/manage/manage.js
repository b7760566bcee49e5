// The managers' and auditors' page: reads the core's API, follows its event stream, nothing else.
// Charts are drawn by Chart.js, served by the core itself (chart-3.9.1.min.js): the hall's LAN has no internet.
"use strict";

const TEXT = {
  "zh-Hans": {
    title: "大厅管理", offline: "未连接", online: "实时", logout: "退出", sign_in: "管理人员登录", user: "用户名", password: "密码",
    enter: "登录", appraisal: "绩效考核", index: "全部页面", alerts: "提醒", windows: "窗口", services: "业务",
    stats: "统计", by_window: "按窗口", by_clerk: "按人员", by_service: "按业务", follow_up: "差评整改",
    devices: "设备状态", audit: "操作日志", by_hour: "分时段取号与等候", rating_chart: "今日评价",
    reports: "报表下载", report_kind: "报表", from: "从", to: "到", download_csv: "下载 CSV", download_xlsx: "下载 Excel",
    date: "日期", window: "窗口", clerk: "人员", device: "设备", action: "操作", search: "查询", all: "全部",
    open: "办理中", paused: "暂停", closed: "关闭", idle: "空闲", nobody: "未登录", waiting: "等候",
    close: "关闭窗口", reopen: "开放窗口", service: "业务", estimate: "预计等候（分钟）", waiting_n: "等候（人）",
    issued: "取号", calls: "叫号", transfers: "转办", finished: "办结", no_shows: "过号",
    mean_wait: "平均等候（分钟）", p95_wait: "95%等候（分钟）", mean_handling: "平均办理（分钟）",
    not_rated: "未评价", mean: "均分", number: "号码", score: "评价", at: "时间", note: "整改情况", record: "记录",
    done: "已整改", open_case: "待整改", history: "整改记录", nothing: "无", kind: "类型", state: "状态",
    last_seen: "最后联系", message: "说明", seq: "序号", actor: "操作人", detail: "内容",
    chain_ok: (n) => `共 ${n} 条，校验通过`, chain_bad: "日志校验失败，请运行 onewindow audit verify",
    found: (n) => `共 ${n} 条`, wrong: "用户名或密码错误", session_lost: "登录已失效，请重新登录",
    only_managers: "仅管理人员可操作", hours: "办理时间", closed_all_day: "今日不办公", end_day: "结束今日",
    end_day_confirm: "结束今日：所有等候中的号将被取消，所有窗口人员签退。确定结束吗？",
    day_ended: (n, m) => `今日已结束：取消 ${n} 个号，${m} 个窗口签退`,
    end_day_busy: "以下窗口仍在办理，请先办结", failed: "操作失败", downloaded: "已下载",
    acknowledge: "确认", acknowledged: "已确认", no_alerts: "目前没有提醒", unacked: (n) => `${n} 条待确认`,
    for_min: (m) => `已 ${m} 分钟`,
    fig_issued: "今日取号", fig_waiting: "正在等候", fig_longest: "当前最长等候", fig_mean: "平均等候",
    fig_satisfaction: "满意率", fig_poor: "待整改差评", fig_overdue: "超期办件",
    u_tickets: "张", u_people: "人", u_min: "分钟", u_pct: "%", u_items: "件", u_cases: "件",
    hour: "时段", issued_n: "取号（张）", wait_min: "平均等候（分钟）", ratings_n: "评价（个）",
    alert: {
      idle_window: (a) => `${a.window_name}空闲，${a.waiting} 人等候${a.clerk_name ? `（${a.clerk_name}）` : ""}`,
      not_arrived: (a) => `${a.window_name}叫号 ${a.number} 未到`,
      long_service: (a) => `${a.window_name}办理 ${a.number} 超时`,
      paper_out: (a) => `${kindWord(a.device_kind)} ${a.device} 缺纸`,
      device_fault: (a) => `${kindWord(a.device_kind)} ${a.device} 故障`,
      device_silent: (a) => `${kindWord(a.device_kind)} ${a.device} 失联`,
      case_overdue: (a) => `办件 ${a.number} 超期（${a.unit_name || ""}，${a.window_name || ""}）`,
    },
    kinds: { kiosk: "取号机", display: "显示屏", caller: "呼叫器", evaluator: "评价器" },
    states: { ok: "正常", paper_out: "缺纸", paper_low: "纸将用尽", fault: "故障", offline: "离线", never: "未上线" },
    parts: { printer: "打印机", screen: "屏幕", events: "事件流", voice: "语音", led: "条屏", bus: "总线", device: "设备登记", keypad: "键盘" },
    report_kinds: { windows: "按窗口", clerks: "按人员", services: "按业务", units: "按单位", hours: "按时段", appraisal: "绩效考核" },
    scores: { 5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意" },
  },
  "zh-Hant": {
    title: "大廳管理", offline: "未連線", online: "即時", logout: "登出", sign_in: "管理人員登入", user: "使用者", password: "密碼",
    enter: "登入", appraisal: "績效考核", index: "全部頁面", alerts: "提醒", windows: "窗口", services: "業務",
    stats: "統計", by_window: "按窗口", by_clerk: "按人員", by_service: "按業務", follow_up: "差評整改",
    devices: "設備狀態", audit: "操作日誌", by_hour: "分時段取號與等候", rating_chart: "今日評價",
    reports: "報表下載", report_kind: "報表", from: "從", to: "到", download_csv: "下載 CSV", download_xlsx: "下載 Excel",
    date: "日期", window: "窗口", clerk: "人員", device: "設備", action: "操作", search: "查詢", all: "全部",
    open: "辦理中", paused: "暫停", closed: "關閉", idle: "空閒", nobody: "未登入", waiting: "等候",
    close: "關閉窗口", reopen: "開放窗口", service: "業務", estimate: "預計等候（分鐘）", waiting_n: "等候（人）",
    issued: "取號", calls: "叫號", transfers: "轉辦", finished: "辦結", no_shows: "過號",
    mean_wait: "平均等候（分鐘）", p95_wait: "95%等候（分鐘）", mean_handling: "平均辦理（分鐘）",
    not_rated: "未評價", mean: "均分", number: "號碼", score: "評價", at: "時間", note: "整改情況", record: "記錄",
    done: "已整改", open_case: "待整改", history: "整改記錄", nothing: "無", kind: "類型", state: "狀態",
    last_seen: "最後聯繫", message: "說明", seq: "序號", actor: "操作人", detail: "內容",
    chain_ok: (n) => `共 ${n} 條，校驗通過`, chain_bad: "日誌校驗失敗，請執行 onewindow audit verify",
    found: (n) => `共 ${n} 條`, wrong: "使用者或密碼錯誤", session_lost: "登入已失效，請重新登入",
    only_managers: "僅管理人員可操作", hours: "辦理時間", closed_all_day: "今日不辦公", end_day: "結束今日",
    end_day_confirm: "結束今日：所有等候中的號將被取消，所有窗口人員簽退。確定結束嗎？",
    day_ended: (n, m) => `今日已結束：取消 ${n} 個號，${m} 個窗口簽退`,
    end_day_busy: "以下窗口仍在辦理，請先辦結", failed: "操作失敗", downloaded: "已下載",
    acknowledge: "確認", acknowledged: "已確認", no_alerts: "目前沒有提醒", unacked: (n) => `${n} 條待確認`,
    for_min: (m) => `已 ${m} 分鐘`,
    fig_issued: "今日取號", fig_waiting: "正在等候", fig_longest: "當前最長等候", fig_mean: "平均等候",
    fig_satisfaction: "滿意率", fig_poor: "待整改差評", fig_overdue: "超期辦件",
    u_tickets: "張", u_people: "人", u_min: "分鐘", u_pct: "%", u_items: "件", u_cases: "件",
    hour: "時段", issued_n: "取號（張）", wait_min: "平均等候（分鐘）", ratings_n: "評價（個）",
    alert: {
      idle_window: (a) => `${a.window_name}空閒，${a.waiting} 人等候${a.clerk_name ? `（${a.clerk_name}）` : ""}`,
      not_arrived: (a) => `${a.window_name}叫號 ${a.number} 未到`,
      long_service: (a) => `${a.window_name}辦理 ${a.number} 超時`,
      paper_out: (a) => `${kindWord(a.device_kind)} ${a.device} 缺紙`,
      device_fault: (a) => `${kindWord(a.device_kind)} ${a.device} 故障`,
      device_silent: (a) => `${kindWord(a.device_kind)} ${a.device} 失聯`,
      case_overdue: (a) => `辦件 ${a.number} 超期（${a.unit_name || ""}，${a.window_name || ""}）`,
    },
    kinds: { kiosk: "取號機", display: "顯示屏", caller: "呼叫器", evaluator: "評價器" },
    states: { ok: "正常", paper_out: "缺紙", paper_low: "紙將用盡", fault: "故障", offline: "離線", never: "未上線" },
    parts: { printer: "打印機", screen: "屏幕", events: "事件流", voice: "語音", led: "條屏", bus: "總線", device: "設備登記", keypad: "鍵盤" },
    report_kinds: { windows: "按窗口", clerks: "按人員", services: "按業務", units: "按單位", hours: "按時段", appraisal: "績效考核" },
    scores: { 5: "非常滿意", 4: "滿意", 3: "基本滿意", 2: "不滿意", 1: "非常不滿意" },
  },
  en: {
    title: "Hall manager", offline: "offline", online: "live", logout: "Sign out", sign_in: "Staff sign-in", user: "User", password: "Password",
    enter: "Sign in", appraisal: "Appraisal", index: "All pages", alerts: "Alerts", windows: "Windows",
    services: "Services", stats: "Figures", by_window: "By window", by_clerk: "By clerk", by_service: "By service",
    follow_up: "Poor ratings to follow up", devices: "Devices", audit: "Operation log", by_hour: "Arrivals and waits by hour",
    rating_chart: "Today's ratings", reports: "Reports", report_kind: "Report", from: "From", to: "To",
    download_csv: "Download CSV", download_xlsx: "Download Excel", date: "Date", window: "Window", clerk: "Clerk",
    device: "Device", action: "Action", search: "Search", all: "all", open: "serving", paused: "paused",
    closed: "closed", idle: "idle", nobody: "nobody", waiting: "waiting", close: "Close", reopen: "Open",
    service: "Service", estimate: "Estimated wait (min)", waiting_n: "Waiting (people)", issued: "Issued",
    calls: "Calls", transfers: "Transfers", finished: "Finished", no_shows: "No-shows", mean_wait: "Mean wait (min)",
    p95_wait: "p95 wait (min)", mean_handling: "Mean handling (min)", not_rated: "Not rated", mean: "Mean",
    number: "Number", score: "Rating", at: "Time", note: "Follow-up", record: "Record", done: "followed up",
    open_case: "to follow up", history: "History", nothing: "none", kind: "Kind", state: "State",
    last_seen: "Last seen", message: "Details", seq: "#", actor: "Who", detail: "Details",
    chain_ok: (n) => `${n} entries, all intact`, chain_bad: "The log failed its check: run onewindow audit verify",
    found: (n) => `${n} found`, wrong: "Wrong user or password", session_lost: "Your session ended; please sign in again",
    only_managers: "managers only", hours: "Hours", closed_all_day: "closed today", end_day: "End the day",
    end_day_confirm: "End the day: every waiting ticket is cancelled and every clerk signed out. End it?",
    day_ended: (n, m) => `Day ended: ${n} tickets cancelled, ${m} clerks signed out`,
    end_day_busy: "Still serving; finish these first", failed: "Refused", downloaded: "downloaded",
    acknowledge: "Acknowledge", acknowledged: "acknowledged", no_alerts: "No alerts", unacked: (n) => `${n} to acknowledge`,
    for_min: (m) => `for ${m} min`,
    fig_issued: "Issued today", fig_waiting: "Waiting", fig_longest: "Longest wait now", fig_mean: "Mean wait",
    fig_satisfaction: "Satisfied", fig_poor: "Poor ratings open", fig_overdue: "Overdue cases",
    u_tickets: "tickets", u_people: "people", u_min: "min", u_pct: "%", u_items: "", u_cases: "cases",
    hour: "Hour", issued_n: "Issued (tickets)", wait_min: "Mean wait (min)", ratings_n: "Ratings",
    alert: {
      idle_window: (a) => `${a.window_name} idle, ${a.waiting} waiting${a.clerk_name ? ` (${a.clerk_name})` : ""}`,
      not_arrived: (a) => `${a.window_name}: ${a.number} called, not come`,
      long_service: (a) => `${a.window_name}: ${a.number} taking long`,
      paper_out: (a) => `${kindWord(a.device_kind)} ${a.device} out of paper`,
      device_fault: (a) => `${kindWord(a.device_kind)} ${a.device} at fault`,
      device_silent: (a) => `${kindWord(a.device_kind)} ${a.device} silent`,
      case_overdue: (a) => `Case ${a.number} overdue (${a.unit_name || ""}, ${a.window_name || ""})`,
    },
    kinds: { kiosk: "Kiosk", display: "Display", caller: "Caller", evaluator: "Evaluator" },
    states: { ok: "fine", paper_out: "out of paper", paper_low: "paper low", fault: "fault", offline: "offline", never: "not yet seen" },
    parts: { printer: "printer", screen: "screen", events: "events", voice: "voice", led: "LED board", bus: "bus", device: "registration", keypad: "keypad" },
    report_kinds: { windows: "By window", clerks: "By clerk", services: "By service", units: "By unit", hours: "By hour", appraisal: "Appraisal" },
    scores: { 5: "very satisfied", 4: "satisfied", 3: "fair", 2: "dissatisfied", 1: "very dissatisfied" },
  },
};

let t = TEXT["zh-Hans"];
let me = null;
let hall = null;
let group = "windows";
let refreshTimer = null;
let source = null;
const charts = {};
const drafts = {};  // follow-up notes being typed, by rating id

const kindWord = (kind) => t.kinds[kind] || kind || "";

// The page's own session: a browser signed in at /caller as well keeps the two apart (X-Onewindow-Session).
async function send(method, path, body) {
  const opts = { method, headers: { Accept: "application/json", "X-Onewindow-Session": "user" }, credentials: "same-origin" };
  if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
  const r = await fetch(path, opts);
  if (!r.ok) {
    const data = await r.json().catch(() => null);
    // a session ended (logged out elsewhere, the core restarted): back to the sign-in form, saying why
    if (me && r.status === 401 && path !== "/api/v1/session") lostSession();
    throw Object.assign(new Error(data?.error?.message || r.status), { status: r.status, data });
  }
  return r;
}

async function api(method, path, body) {
  const r = await send(method, path, body);
  return r.status === 204 ? null : r.json();
}

// A download through the page's own session (a plain link would carry whichever cookie the browser has first).
async function download(path, fallback) {
  const r = await send("GET", path);
  const name = /filename="([^"]+)"/.exec(r.headers.get("Content-Disposition") || "")?.[1] || fallback;
  const url = URL.createObjectURL(await r.blob());
  const a = el("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  return name;
}

function lostSession() {
  me = null;
  if (source) { source.close(); source = null; }
  showLogin();
  // nobody is signed in here any more, and the page follows nothing: say neither
  $("#who").textContent = "";
  $("#live").className = "live off";
  $("#live").textContent = t.offline;
  $("#login-form").reset();
  $("#login-error").textContent = t.session_lost;
}

function translate() {
  document.querySelectorAll("[data-t]").forEach((e) => { if (typeof t[e.dataset.t] === "string") e.textContent = t[e.dataset.t]; });
}

const mins = (s) => (s == null ? "—" : (s / 60).toFixed(1));
const time = (iso) => (iso ? iso.slice(11, 19) : "—");
const pct = (x) => (x == null ? "—" : (100 * x).toFixed(1));

function row(cells, head = false) {
  return el("tr", {}, ...cells.map((c) => {
    const rich = c !== null && typeof c === "object" && !(c instanceof Node);
    return el(head ? "th" : "td", rich ? c.attrs : {}, rich ? c.value : c);
  }));
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
      // a window nobody staffs is not "idle": it says so alone
      el("div", { class: "meta" }, `${w.clerk || state !== "idle" ? `${t[state]} · ` : ""}${w.clerk ? w.clerk.name : t.nobody} · ${t.waiting} ${w.waiting}`));
    if (me?.role === "manager") {
      const closed = w.state === "closed";
      card.append(el("button", { onclick: () => api("POST", `/api/v1/windows/${w.number}/${closed ? "open" : "close"}`, {}).then(refresh) },
        closed ? t.reopen : t.close));
    }
    windows.append(card);
  }
  const services = $("#services");
  services.replaceChildren(row([t.service, t.waiting_n, t.estimate], true));
  for (const s of hall.services) {
    services.append(row([`${s.prefix} · ${s.name}`, s.waiting, s.available ? mins(s.estimated_wait_s) : t.closed]));
  }
}

function renderFigures(f) {
  const tiles = [
    ["issued", t.fig_issued, f.issued, t.u_tickets],
    ["waiting", t.fig_waiting, f.waiting, t.u_people],
    ["longest", t.fig_longest, mins(f.longest_wait_s), t.u_min],
    ["mean", t.fig_mean, mins(f.mean_wait_s), t.u_min],
    ["satisfaction", t.fig_satisfaction, pct(f.satisfaction), t.u_pct],
    ["poor", t.fig_poor, f.open_poor, t.u_items],
    ["overdue", t.fig_overdue, f.overdue_cases, t.u_cases],
  ];
  $("#figures").replaceChildren(...tiles.map(([key, label, value, unit]) => el("div", {
    class: `figure${(key === "poor" || key === "overdue") && value > 0 ? " warn" : ""}`, "data-figure": key,
  }, el("div", { class: "label" }, label), el("div", { class: "value" }, `${value}`, el("small", {}, unit)))));
  drawCharts(f);
}

function drawCharts(f) {
  if (typeof Chart === "undefined") return;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.animation = false;
  const hours = f.hours.map((h) => `${String(h.hour).padStart(2, "0")}:00`);
  const byHour = {
    labels: hours,
    datasets: [
      { type: "bar", label: t.issued_n, data: f.hours.map((h) => h.issued), backgroundColor: "#0b5cad", yAxisID: "y" },
      { type: "line", label: t.wait_min, data: f.hours.map((h) => (h.mean_wait_s == null ? null : +(h.mean_wait_s / 60).toFixed(1))),
        borderColor: "#d35400", backgroundColor: "#d35400", yAxisID: "y1", spanGaps: true },
    ],
  };
  const levels = ["5", "4", "3", "2", "1"];
  const ratings = {
    labels: levels.map((k) => t.scores[k]),
    datasets: [{ label: t.ratings_n, data: levels.map((k) => f.ratings[k]),
      backgroundColor: ["#1d7a46", "#4caf50", "#b0bec5", "#e67e22", "#c0392b"] }],
  };
  const scales = {
    y: { beginAtZero: true, position: "left", title: { display: true, text: t.issued_n }, ticks: { precision: 0 } },
    y1: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false }, title: { display: true, text: t.wait_min } },
  };
  chart("hours", "#hours-chart", { type: "bar", data: byHour, options: { responsive: true, maintainAspectRatio: false, scales } });
  chart("ratings", "#ratings-chart", { type: "bar", data: ratings, options: { responsive: true, maintainAspectRatio: false,
    plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: t.ratings_n } } } } });
}

function chart(name, selector, config) {
  if (charts[name]) {
    charts[name].data = config.data;
    charts[name].update();
  } else {
    charts[name] = new Chart($(selector), config);
  }
}

async function renderAlerts() {
  const { alerts } = await api("GET", "/api/v1/alerts");
  const list = $("#alerts");
  const fresh = alerts.filter((a) => !a.acknowledged);
  $("#alerts-count").textContent = fresh.length ? t.unacked(fresh.length) : "";
  $("#alerts-section").classList.toggle("alarm", fresh.length > 0);
  const alarmed = new Set(fresh.filter((a) => a.window != null && a.kind !== "case_overdue").map((a) => `${a.window}`));
  document.querySelectorAll("#windows .window").forEach((card) => card.classList.toggle("alarm", alarmed.has(card.dataset.window)));
  if (!alerts.length) { list.replaceChildren(el("li", { class: "none" }, t.no_alerts)); return; }
  // the new ones first, then those already seen
  const ordered = [...fresh, ...alerts.filter((a) => a.acknowledged)];
  list.replaceChildren(...ordered.map((a) => {
    const words = t.alert[a.kind] ? t.alert[a.kind](a) : a.kind;
    const item = el("li", { class: `alert ${a.kind}${a.acknowledged ? " seen" : ""}`, "data-alert": a.key },
      el("span", { class: "what" }, words),
      el("span", { class: "since" }, `${time(a.since)} · ${t.for_min(Math.floor(a.for_s / 60))}`));
    if (a.acknowledged) item.append(el("span", { class: "done" }, t.acknowledged));
    else if (me?.role === "manager") {
      item.append(el("button", { onclick: (e) => {
        e.target.disabled = true;
        api("POST", "/api/v1/alerts/acknowledge", { key: a.key, cause: a.cause }).catch(() => null).then(renderAlerts);
      } }, t.acknowledge));
    }
    return item;
  }));
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
    t.mean_handling, ...["5", "4", "3", "2", "1"].map((k) => t.scores[k]), t.not_rated, t.mean], true));
  const names = Object.fromEntries(hall.services.map((s) => [s.id, s.name]));
  const windowNames = Object.fromEntries(hall.windows.map((w) => [w.number, w.name]));
  const label = (r) => (group === "windows" ? windowNames[r.window] || `${r.window}` : group === "clerks" ? r.name : names[r.service] || r.service);
  for (const r of [...stats[group], { ...stats.hall, total: true }]) {
    const g = r.ratings;
    table.append(row([r.total ? "∑" : label(r), r.issued, r.calls, r.finished, r.no_shows, r.transfers,
      mins(r.mean_wait_s), mins(r.p95_wait_s), mins(r.mean_handling_s), g["5"], g["4"], g["3"], g["2"], g["1"], g.not_rated, g.mean ?? "—"]));
  }
}

async function renderRatings() {
  const { ratings } = await api("GET", "/api/v1/ratings?flagged=1");
  const histories = await Promise.all(ratings.map((r) => api("GET", `/api/v1/ratings/${r.id}/follow-ups`)));
  const table = $("#ratings");
  table.replaceChildren(row([t.at, t.number, t.window, t.clerk, t.score, t.state, t.history], true));
  if (!ratings.length) table.append(row([t.nothing, "", "", "", "", "", ""]));
  const windowNames = Object.fromEntries(hall.windows.map((w) => [w.number, w.name]));
  for (let i = ratings.length - 1; i >= 0; i--) {
    const r = ratings[i];
    const history = histories[i].follow_ups;
    const notes = el("ol", { class: "history" }, ...history.map((h) => el("li", {},
      el("span", { class: "when" }, `${h.at.slice(0, 10)} ${time(h.at)}`), ` ${h.by}：${h.note}`)));
    const cell = el("div", { class: "follow" }, notes);
    if (me?.role === "manager") {
      // the page redraws at every event: what the manager is typing is kept across redraws
      const input = el("input", { type: "text", required: "", "aria-label": t.note, placeholder: t.note,
        oninput: (e) => { drafts[r.id] = e.target.value; } });
      input.value = drafts[r.id] || "";
      cell.append(el("form", { onsubmit: (e) => {
        e.preventDefault();
        api("POST", `/api/v1/ratings/${r.id}/follow-up`, { note: input.value }).then(() => {
          delete drafts[r.id];
          return Promise.all([renderRatings(), loadFigures()]);
        });
      } }, input, el("button", { type: "submit" }, t.record)));
    }
    const clerk = r.clerk_name || r.clerk || "—";
    table.append(row([`${r.day} ${time(r.at)}`, r.number, windowNames[r.window] || r.window, clerk,
      { value: t.scores[r.score], attrs: { class: "bad" } },
      { value: history.length ? t.done : t.open_case, attrs: { class: history.length ? "ok" : "bad" } },
      { value: cell, attrs: { class: "text" } }]));
  }
}

function deviceState(d) {
  if (!d.last_seen) return "never";
  if (!d.online) return "offline";
  const parts = Object.values(d.status?.parts || {});
  if (parts.some((p) => p.paper === "out")) return "paper_out";
  if (d.status?.ok === false || parts.some((p) => p.state === "fault")) return "fault";
  if (parts.some((p) => p.paper === "near_end")) return "paper_low";
  return "ok";
}

function partWord(name) {
  const base = name.replace(/-\d+$/, "");
  const n = name.slice(base.length + 1);
  return `${t.parts[base] || name}${t.parts[base] && n ? ` ${n}` : ""}`;
}

async function renderDevices() {
  const { devices } = await api("GET", "/api/v1/devices");
  const table = $("#devices");
  table.replaceChildren(row([t.device, t.kind, t.state, t.last_seen, t.message], true));
  for (const d of devices) {
    const state = deviceState(d);
    // the device's own message is in its own words: the page names the parts at fault in the hall's
    const faulty = Object.entries(d.status?.parts || {}).filter(([, p]) => p.state === "fault" || p.state === "warning");
    const message = d.online ? faulty.map(([n, p]) => `${partWord(n)}${t.states[p.paper === "out" ? "paper_out" : p.paper === "near_end" ? "paper_low" : "fault"]}`).join("、") : "";
    table.append(row([d.id, kindWord(d.kind), { value: t.states[state], attrs: { class: state === "ok" ? "ok" : state === "never" ? "" : "bad" } },
      time(d.last_seen), { value: message, attrs: { class: "text" } }]));
  }
}

function fillSelect(select, options) {
  const kept = select.value;
  select.replaceChildren(el("option", { value: "" }, t.all), ...options.map(([value, label]) => el("option", { value }, label)));
  select.value = options.some(([v]) => `${v}` === kept) ? kept : "";
}

async function prepareAuditForm() {
  const form = $("#audit-form");
  if (!form.date.value) form.date.value = hall.day;
  const { actions, clerks } = await api("GET", "/api/v1/audit/choices");
  const { devices } = await api("GET", "/api/v1/devices");
  fillSelect(form.window, hall.windows.map((w) => [w.number, w.name]));
  fillSelect(form.clerk, clerks.map((c) => [c.id, c.name]));
  fillSelect(form.device, devices.map((d) => [d.id, `${kindWord(d.kind)} ${d.id}`]));
  fillSelect(form.action, actions.map((a) => [a.action, a.words]));
}

function auditQuery() {
  const form = new FormData($("#audit-form"));
  const query = new URLSearchParams();
  for (const [k, v] of form.entries()) if (v) query.set(k, v);
  return query;
}

async function renderAudit() {
  if (!["auditor", "manager"].includes(me?.role)) { $("#audit-section").hidden = true; return; }
  const [found, check] = await Promise.all([api("GET", `/api/v1/audit/search?${auditQuery()}`), api("GET", "/api/v1/audit/verify")]);
  const badge = $("#audit-check");
  badge.textContent = check.ok ? t.chain_ok(check.count) : t.chain_bad;
  badge.title = check.ok ? "" : check.message;  // the tool's own words, for whoever runs it
  badge.className = check.ok ? "badge" : "badge bad";
  $("#audit-count").textContent = t.found(found.count);
  const table = $("#audit");
  table.replaceChildren(row([t.seq, t.at, t.actor, t.action, t.detail], true));
  for (const e of found.entries.slice(0, 200)) {
    table.append(row([e.seq, time(e.at), { value: e.who, attrs: { class: "text" } }, { value: e.what, attrs: { class: "text" } },
      { value: e.details, attrs: { class: "text wrap" } }]));
  }
}

let figuresCache = null;
async function loadFigures() {
  figuresCache = await api("GET", "/api/v1/figures");
  renderFigures(figuresCache);
}

// The log is read again at most every 10 s while events pour in: a busy hall writes several entries a second.
let auditAt = 0;
function renderAuditNow() {
  auditAt = Date.now();
  return renderAudit();
}

async function refresh() {
  hall = await api("GET", "/api/v1/hall");
  renderHall();
  const log = Date.now() - auditAt > 10000 ? renderAuditNow() : null;
  await Promise.all([loadFigures(), renderAlerts(), renderStats(), renderRatings(), renderDevices(), log]).catch(() => null);
}

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
  for (const type of ["ticket.issued", "ticket.called", "ticket.recalled", "ticket.started", "ticket.finished", "ticket.no_show",
    "ticket.moved", "ticket.transferred", "ticket.cancelled", "window.paused", "window.resumed", "window.signed_in",
    "window.signed_out", "window.closed", "window.opened", "rating.recorded", "device.status",
    "case.opened", "case.reviewed", "case.approved", "case.returned", "case.done"]) {
    source.addEventListener(type, later);
  }
}

function showLogin() {
  $("#login").hidden = false;
  $("#main").hidden = true;
  $("#logout").hidden = true;
}

function prepareReports() {
  const form = $("#report-form");
  fillSelect(form.kind, Object.entries(t.report_kinds));
  form.kind.firstElementChild.remove();  // a report is always of one kind
  form.kind.value = "windows";
  form.from.value = form.from.value || hall.day;
  form.to.value = form.to.value || hall.day;
}

async function start() {
  hall = await api("GET", "/api/v1/hall");
  t = TEXT[hall.locale] || TEXT["zh-Hans"];
  document.documentElement.lang = hall.locale;
  translate();
  document.title = `${hall.name} · ${t.title}`;
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
  $("#who").textContent = session.id;
  $("#logout").hidden = false;
  $("#login").hidden = true;
  $("#main").hidden = false;
  $("#stats-date").value = hall.day;
  prepareReports();
  await prepareAuditForm().catch(() => null);
  await refresh();
  follow();
  // time alone raises an alert (a window idle for two minutes): look again even when nothing happens
  setInterval(() => { if (me) Promise.all([renderAlerts(), loadFigures()]).catch(() => null); }, 15000);
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
$("#audit-form").addEventListener("submit", (e) => { e.preventDefault(); renderAuditNow(); });
$("#audit-export").addEventListener("click", async () => {
  const query = auditQuery();
  query.set("format", "csv");
  const name = await download(`/api/v1/audit/search?${query}`, "oplog.csv").catch(() => null);
  $("#audit-count").textContent = name ? `${t.downloaded} ${name}` : t.failed;
});
$("#report-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = e.target;
  const format = e.submitter?.value || "csv";
  const query = new URLSearchParams({ from: form.from.value, to: form.to.value, format });
  const name = await download(`/api/v1/reports/${form.kind.value}?${query}`, `report.${format}`).catch(() => null);
  $("#report-note").textContent = name ? `${t.downloaded} ${name}` : t.failed;
});
document.querySelectorAll(".tabs button").forEach((b) => b.addEventListener("click", () => {
  document.querySelectorAll(".tabs button").forEach((x) => x.classList.toggle("on", x === b));
  group = b.dataset.group;
  renderStats();
}));
start();
