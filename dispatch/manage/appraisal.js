// The appraisal page (绩效考核): the sheet of a period, and a manager's marks and feedback for each clerk.
"use strict";

const TEXT = {
  "zh-Hans": {
    title: "绩效考核", back: "返回管理页", logout: "退出", sign_in: "管理人员登录", user: "用户名", password: "密码",
    enter: "登录", this_month: "本月", last_month: "上月", this_quarter: "本季度", this_year: "本年", from: "从", to: "至",
    csv: "导出 CSV", xlsx: "导出 Excel", sheet: "考核表", pick: "点选一行，录入评分与反馈。",
    marks: "定性评价（0–100）", morals: "品德", ability: "才能", dedication: "奉献", integrity: "廉政", learning: "学习",
    save_marks: "保存评分", marks_history: "评分记录", feedback: "绩效反馈", record_feedback: "记录反馈",
    feedback_hint: "与本人谈话反馈的内容", feedback_history: "反馈记录", none: "暂无",
    rank: "排名", clerk: "工号", name: "姓名", calls: "叫号", finished: "办结", no_shows: "过号", transfers: "转移",
    decided: "审核/审批", mean_handling: "平均办理", handling_pct: "用时比", signed_in: "在岗", per_hour: "每小时叫号",
    satisfaction: "满意率", poor: "差评（已整改）", quantity: "工作数量", efficiency: "工作效率", attitude: "服务态度",
    marks_score: "定性评价", total: "总分", weights: "权重", minutes: "分", hours: "小时", at: "时间", by: "评定人",
    sheet_of: (name, id) => `${name}（${id}）的考核`, saved: "评分已保存", recorded: "反馈已记录",
    wrong: "用户名或密码错误", session_lost: "登录已失效，请重新登录", only_managers: "仅管理人员可录入",
    failed: "操作失败", bad_marks: "每项评分为 0 到 100 的整数", bad_range: "起止日期有误",
  },
  "zh-Hant": {
    title: "績效考核", back: "返回管理頁", logout: "登出", sign_in: "管理人員登入", user: "使用者", password: "密碼",
    enter: "登入", this_month: "本月", last_month: "上月", this_quarter: "本季度", this_year: "本年", from: "從", to: "至",
    csv: "匯出 CSV", xlsx: "匯出 Excel", sheet: "考核表", pick: "點選一行，錄入評分與回饋。",
    marks: "定性評價（0–100）", morals: "品德", ability: "才能", dedication: "奉獻", integrity: "廉政", learning: "學習",
    save_marks: "儲存評分", marks_history: "評分記錄", feedback: "績效回饋", record_feedback: "記錄回饋",
    feedback_hint: "與本人談話回饋的內容", feedback_history: "回饋記錄", none: "暫無",
    rank: "排名", clerk: "工號", name: "姓名", calls: "叫號", finished: "辦結", no_shows: "過號", transfers: "轉移",
    decided: "審核/審批", mean_handling: "平均辦理", handling_pct: "用時比", signed_in: "在崗", per_hour: "每小時叫號",
    satisfaction: "滿意率", poor: "差評（已整改）", quantity: "工作數量", efficiency: "工作效率", attitude: "服務態度",
    marks_score: "定性評價", total: "總分", weights: "權重", minutes: "分", hours: "小時", at: "時間", by: "評定人",
    sheet_of: (name, id) => `${name}（${id}）的考核`, saved: "評分已儲存", recorded: "回饋已記錄",
    wrong: "使用者或密碼錯誤", session_lost: "登入已失效，請重新登入", only_managers: "僅管理人員可錄入",
    failed: "操作失敗", bad_marks: "每項評分為 0 到 100 的整數", bad_range: "起訖日期有誤",
  },
  en: {
    title: "Appraisal", back: "Back to the manager's page", logout: "Sign out", sign_in: "Staff sign-in", user: "User",
    password: "Password", enter: "Sign in", this_month: "This month", last_month: "Last month",
    this_quarter: "This quarter", this_year: "This year", from: "From", to: "To", csv: "CSV", xlsx: "Excel",
    sheet: "Appraisal sheet", pick: "Pick a row to enter marks and feedback.", marks: "Marks (0–100)",
    morals: "Morals", ability: "Ability", dedication: "Dedication", integrity: "Integrity", learning: "Learning",
    save_marks: "Save marks", marks_history: "Marks given", feedback: "Feedback", record_feedback: "Record feedback",
    feedback_hint: "What was said to the clerk", feedback_history: "Feedback given", none: "none",
    rank: "Rank", clerk: "Id", name: "Name", calls: "Calls", finished: "Finished", no_shows: "No-shows",
    transfers: "Transfers", decided: "Reviewed/approved", mean_handling: "Mean handling", handling_pct: "vs hall",
    signed_in: "Signed in", per_hour: "Calls/h", satisfaction: "Satisfied", poor: "Poor (followed up)",
    quantity: "Quantity", efficiency: "Efficiency", attitude: "Attitude", marks_score: "Marks", total: "Total",
    weights: "Weights", minutes: "min", hours: "h", at: "When", by: "By",
    sheet_of: (name, id) => `${name} (${id})`, saved: "Marks saved", recorded: "Feedback recorded",
    wrong: "Wrong user or password", session_lost: "Your session ended; please sign in again",
    only_managers: "managers only", failed: "Refused", bad_marks: "each mark is a whole number from 0 to 100",
    bad_range: "check the dates",
  },
};
const MARKS = ["morals", "ability", "dedication", "integrity", "learning"];
const PARTS = { quantity: "quantity", efficiency: "efficiency", attitude: "attitude", marks: "marks_score" };

let t = TEXT["zh-Hans"];
let me = null;
let rows = [];
let chosen = null;


// The page's own session: a browser signed in at /caller as well keeps the two apart (X-Onewindow-Session).
async function api(method, path, body, raw = false) {
  const opts = { method, headers: { Accept: "application/json", "X-Onewindow-Session": "user" }, credentials: "same-origin" };
  if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
  const r = await fetch(path, opts);
  if (r.ok && raw) return r.blob();
  const data = r.status === 204 ? null : await r.json().catch(() => null);
  if (!r.ok) {
    if (me && r.status === 401 && path !== "/api/v1/session") { me = null; showLogin(); $("#login-error").textContent = t.session_lost; }
    throw Object.assign(new Error(data?.error?.message || r.status), { status: r.status, code: data?.error?.code });
  }
  return data;
}

const refusal = (err) => t[err.code] || (err.status === 403 ? t.only_managers : t.failed);
const num = (v, digits = 1) => (v == null ? "—" : Number(v).toFixed(digits).replace(/\.0+$/, ""));
const mins = (s) => (s == null ? "—" : `${(s / 60).toFixed(1)} ${t.minutes}`);
const pct = (v) => (v == null ? "—" : `${num(v)}%`);
const who = (actor) => String(actor || "").replace(/^user:/, "");
const when = (iso) => (iso ? iso.slice(0, 16).replace("T", " ") : "—");

function translate() {
  document.querySelectorAll("[data-t]").forEach((e) => { e.textContent = t[e.dataset.t] ?? e.textContent; });
  document.querySelectorAll("[data-tp]").forEach((e) => { e.placeholder = t[e.dataset.tp] ?? ""; });
  document.title = `onewindow · ${t.title}`;
}

// --- the period: whole months, quarters and years, as appraisals are held ---------------------------
const iso = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
function preset(kind, today = new Date()) {
  const y = today.getFullYear(), m = today.getMonth();
  if (kind === "last_month") return [iso(new Date(y, m - 1, 1)), iso(new Date(y, m, 0))];
  if (kind === "quarter") { const q = m - (m % 3); return [iso(new Date(y, q, 1)), iso(new Date(y, q + 3, 0))]; }
  if (kind === "year") return [`${y}-01-01`, `${y}-12-31`];
  return [iso(new Date(y, m, 1)), iso(new Date(y, m + 1, 0))];
}
function period() { return { from: $("#from").value, to: $("#to").value }; }
function setPeriod(from, to) {
  $("#from").value = from; $("#to").value = to;
  history.replaceState(null, "", `?from=${from}&to=${to}`);
  load();
}

// --- the sheet ------------------------------------------------------------------------------------
const COLUMNS = [
  ["rank", (r) => r.rank ?? "—"],
  ["clerk", (r) => r.clerk, "text"],
  ["name", (r) => r.name, "text"],
  ["calls", (r) => r.calls],
  ["finished", (r) => r.finished],
  ["no_shows", (r) => r.no_shows],
  ["transfers", (r) => r.transfers],
  ["decided", (r) => r.reviewed + r.approved],
  ["mean_handling", (r) => mins(r.mean_handling_s)],
  ["handling_pct", (r) => pct(r.handling_pct)],
  ["signed_in", (r) => `${num(r.signed_in_h)} ${t.hours}`],
  ["per_hour", (r) => num(r.calls_per_hour)],
  ["satisfaction", (r) => pct(r.satisfaction_pct)],
  ["poor", (r) => (r.poor ? `${r.poor}（${r.followed_up}）` : "0")],
  ["quantity", (r) => num(r.quantity_score)],
  ["efficiency", (r) => num(r.efficiency_score)],
  ["attitude", (r) => num(r.attitude_score)],
  ["marks_score", (r) => num(r.marks_score)],
  ["total", (r) => num(r.total), "total"],
];

function renderSheet() {
  const table = $("#sheet");
  table.replaceChildren(el("tr", {}, ...COLUMNS.map(([key, , cls]) => el("th", cls ? { class: cls } : {}, t[key]))));
  for (const r of rows) {
    const tr = el("tr", { class: r.clerk === chosen ? "chosen" : "", tabindex: "0", "data-clerk": r.clerk },
      ...COLUMNS.map(([, value, cls]) => el("td", cls ? { class: cls } : {}, String(value(r)))));
    tr.addEventListener("click", () => choose(r.clerk));
    tr.addEventListener("keydown", (e) => { if (e.key === "Enter") choose(r.clerk); });
    table.append(tr);
  }
}

async function load() {
  const { from, to } = period();
  try {
    const report = await api("GET", `/api/v1/reports/appraisal?from=${from}&to=${to}`);
    rows = report.rows;
  } catch (err) { rows = []; $("#weights").textContent = refusal(err); }
  renderSheet();
  if (chosen) await choose(chosen);
}

// --- one clerk: marks and feedback ------------------------------------------------------------------
async function choose(clerk) {
  chosen = clerk;
  const { from, to } = period();
  const sheet = await api("GET", `/api/v1/appraisal/${encodeURIComponent(clerk)}?from=${from}&to=${to}`);
  renderWeights(sheet.weights);
  renderSheet();
  renderClerk(sheet);
}

function renderWeights(weights) {
  $("#weights").textContent = `${t.weights}：` + Object.entries(PARTS).map(([part, key]) => `${t[key]} ${weights[part]}`).join(" · ");
}

function renderClerk(sheet) {
  const r = sheet.row;
  $("#clerk").hidden = false;
  $("#clerk-title").textContent = t.sheet_of(r.name, r.clerk);
  const form = $("#marks-form");
  for (const name of MARKS) form.elements[name].value = r[name] ?? "";
  const manager = me?.role === "manager";
  for (const e of document.querySelectorAll("#clerk input, #clerk textarea, #clerk button")) e.disabled = !manager;
  const history = $("#marks-history");
  history.replaceChildren(el("tr", {}, el("th", { class: "text" }, t.at), el("th", { class: "text" }, t.by), ...MARKS.map((m) => el("th", {}, t[m]))));
  for (const m of sheet.marks.slice().reverse()) {
    history.append(el("tr", {}, el("td", { class: "text" }, when(m.at)), el("td", { class: "text" }, who(m.by)), ...MARKS.map((n) => el("td", {}, String(m[n])))));
  }
  if (!sheet.marks.length) history.append(el("tr", {}, el("td", { class: "text", colspan: "7" }, t.none)));
  const list = $("#feedback-history");
  list.replaceChildren(...sheet.feedback.slice().reverse().map((f) =>
    el("li", {}, el("span", { class: "meta" }, `${when(f.at)} · ${who(f.by)}`), el("p", {}, f.note))));
  if (!sheet.feedback.length) list.append(el("li", { class: "meta" }, t.none));
}

$("#marks-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = e.target;
  const body = { ...period() };
  for (const name of MARKS) body[name] = Number(form.elements[name].value);
  try {
    await api("POST", `/api/v1/appraisal/${encodeURIComponent(chosen)}/marks`, body);
    $("#marks-note").textContent = t.saved;
    await load();
  } catch (err) { $("#marks-note").textContent = refusal(err); }
});

$("#feedback-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = e.target;
  try {
    await api("POST", `/api/v1/appraisal/${encodeURIComponent(chosen)}/feedback`, { ...period(), note: form.elements.note.value });
    form.elements.note.value = "";
    $("#feedback-note").textContent = t.recorded;
    await load();
  } catch (err) { $("#feedback-note").textContent = refusal(err); }
});

async function download(format) {
  const { from, to } = period();
  const blob = await api("GET", `/api/v1/reports/appraisal?from=${from}&to=${to}&format=${format}`, undefined, true);
  const link = el("a", { href: URL.createObjectURL(blob), download: `appraisal-${from}-${to}.${format}` });
  document.body.append(link); link.click(); link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

// --- signing in -----------------------------------------------------------------------------------
function showLogin() { $("#login").hidden = false; $("#main").hidden = true; $("#logout").hidden = true; $("#who").textContent = ""; }

async function start() {
  const hall = await api("GET", "/api/v1/hall");
  t = TEXT[hall.locale] || TEXT["zh-Hans"];
  document.documentElement.lang = hall.locale;
  $("#hall-name").textContent = hall.name;
  translate();
  const session = await api("GET", "/api/v1/session");
  if (!session.signed_in || session.kind !== "user") { showLogin(); return; }
  me = session;
  $("#login").hidden = true; $("#main").hidden = false; $("#logout").hidden = false;
  $("#who").textContent = me.id;
  const asked = new URLSearchParams(location.search);
  const [from, to] = asked.get("from") && asked.get("to") ? [asked.get("from"), asked.get("to")] : preset("month");
  setPeriod(from, to);
}

$("#login-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = e.target;
  try {
    await api("POST", "/api/v1/session", { user: form.elements.user.value, password: form.elements.password.value });
    $("#login-error").textContent = "";
    await start();
  } catch (err) { $("#login-error").textContent = err.status === 401 ? t.wrong : refusal(err); }
});
$("#logout").addEventListener("click", async () => { await api("DELETE", "/api/v1/session").catch(() => null); me = null; showLogin(); });
document.querySelectorAll("[data-preset]").forEach((b) => b.addEventListener("click", () => setPeriod(...preset(b.dataset.preset))));
for (const id of ["#from", "#to"]) $(id).addEventListener("change", () => { if ($("#from").value && $("#to").value) setPeriod($("#from").value, $("#to").value); });
$("#csv").addEventListener("click", () => download("csv").catch((err) => { $("#weights").textContent = refusal(err); }));
$("#xlsx").addEventListener("click", () => download("xlsx").catch((err) => { $("#weights").textContent = refusal(err); }));
start();
