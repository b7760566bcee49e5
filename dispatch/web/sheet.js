// A clerk's own appraisal sheet (绩效考核), from the soft caller's session: theirs and only theirs.
"use strict";

const PAGE_SESSION = "clerk"; // the soft caller's session (common.js request)

const SHEET_TEXTS = {
  "zh-Hans": {
    title: "我的考核", back: "返回叫号", signed_out: "请先在软叫号登录，再查看本人的考核。", go_sign_in: "去登录",
    this_month: "本月", last_month: "上月", this_quarter: "本季度", this_year: "本年", from: "从", to: "至",
    total: "总分", rank: "第 {rank} 名，共 {n} 人", no_rank: "暂无排名", quantity: "工作数量", efficiency: "工作效率",
    attitude: "服务态度", marks: "定性评价", feedback: "绩效反馈", none: "暂无", score: "得分",
    calls: "叫号", finished: "办结", no_shows: "过号", transfers: "转移", reviewed: "审核", approved: "审批",
    mean_handling: "平均办理", hall_mean: "同类业务大厅平均", handling_pct: "用时比", signed_in: "在岗时长",
    per_hour: "每小时叫号", satisfaction: "满意率", poor: "差评", followed_up: "已整改",
    levels: { 5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意" },
    morals: "品德", ability: "才能", dedication: "奉献", integrity: "廉政", learning: "学习",
    minutes: "{n} 分钟", hours: "{n} 小时",
  },
  "zh-Hant": {
    title: "我的考核", back: "返回叫號", signed_out: "請先在軟叫號登入，再查看本人的考核。", go_sign_in: "去登入",
    this_month: "本月", last_month: "上月", this_quarter: "本季度", this_year: "本年", from: "從", to: "至",
    total: "總分", rank: "第 {rank} 名，共 {n} 人", no_rank: "暫無排名", quantity: "工作數量", efficiency: "工作效率",
    attitude: "服務態度", marks: "定性評價", feedback: "績效回饋", none: "暫無", score: "得分",
    calls: "叫號", finished: "辦結", no_shows: "過號", transfers: "轉移", reviewed: "審核", approved: "審批",
    mean_handling: "平均辦理", hall_mean: "同類業務大廳平均", handling_pct: "用時比", signed_in: "在崗時長",
    per_hour: "每小時叫號", satisfaction: "滿意率", poor: "差評", followed_up: "已整改",
    levels: { 5: "非常滿意", 4: "滿意", 3: "基本滿意", 2: "不滿意", 1: "非常不滿意" },
    morals: "品德", ability: "才能", dedication: "奉獻", integrity: "廉政", learning: "學習",
    minutes: "{n} 分鐘", hours: "{n} 小時",
  },
  en: {
    title: "My appraisal", back: "Back to calling", signed_out: "Sign in on the soft caller to see your own sheet.",
    go_sign_in: "Sign in", this_month: "This month", last_month: "Last month", this_quarter: "This quarter",
    this_year: "This year", from: "From", to: "To", total: "Total", rank: "Rank {rank} of {n}", no_rank: "not ranked",
    quantity: "Quantity", efficiency: "Efficiency", attitude: "Attitude", marks: "Marks", feedback: "Feedback",
    none: "none", score: "Score", calls: "Calls", finished: "Finished", no_shows: "No-shows", transfers: "Transfers",
    reviewed: "Reviewed", approved: "Approved", mean_handling: "Mean handling", hall_mean: "Hall's mean, same services",
    handling_pct: "Against the hall", signed_in: "Signed in", per_hour: "Calls per hour", satisfaction: "Satisfied",
    poor: "Poor ratings", followed_up: "Followed up",
    levels: { 5: "very satisfied", 4: "satisfied", 3: "fair", 2: "dissatisfied", 1: "very dissatisfied" },
    morals: "Morals", ability: "Ability", dedication: "Dedication", integrity: "Integrity", learning: "Learning",
    minutes: "{n} min", hours: "{n} h",
  },
};
const S = SHEET_TEXTS[LOCALE] || SHEET_TEXTS["zh-Hans"];
const s = (key, vars) => {
  let text = S[key] ?? SHEET_TEXTS["zh-Hans"][key] ?? key;
  for (const [name, value] of Object.entries(vars || {})) text = text.split(`{${name}}`).join(String(value));
  return text;
};
const num = (v) => (v == null ? "—" : String(Math.round(v * 10) / 10));
const mins = (v) => (v == null ? "—" : s("minutes", { n: num(v / 60) }));
const pct = (v) => (v == null ? "—" : `${num(v)}%`);

const iso = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
function preset(kind, today = new Date()) {
  const y = today.getFullYear(), m = today.getMonth();
  if (kind === "last_month") return [iso(new Date(y, m - 1, 1)), iso(new Date(y, m, 0))];
  if (kind === "quarter") { const q = m - (m % 3); return [iso(new Date(y, q, 1)), iso(new Date(y, q + 3, 0))]; }
  if (kind === "year") return [`${y}-01-01`, `${y}-12-31`];
  return [iso(new Date(y, m, 1)), iso(new Date(y, m + 1, 0))];
}

function figures(target, pairs) {
  $(target).replaceChildren(...pairs.flatMap(([label, value]) => [el("dt", { text: label }), el("dd", { text: value })]));
}

function render(sheet) {
  const r = sheet.row;
  $("#who").textContent = `${r.name}（${r.clerk}）`;
  $("#total").textContent = num(r.total);
  $("#rank").textContent = r.rank == null ? s("no_rank") : s("rank", { rank: r.rank, n: sheet.ranked });
  figures("#quantity", [
    [s("calls"), r.calls], [s("finished"), r.finished], [s("no_shows"), r.no_shows], [s("transfers"), r.transfers],
    [s("reviewed"), r.reviewed], [s("approved"), r.approved], [s("score"), num(r.quantity_score)],
  ]);
  figures("#efficiency", [
    [s("mean_handling"), mins(r.mean_handling_s)], [s("hall_mean"), mins(r.service_mean_s)],
    [s("handling_pct"), pct(r.handling_pct)], [s("signed_in"), s("hours", { n: num(r.signed_in_h) })],
    [s("per_hour"), num(r.calls_per_hour)], [s("score"), num(r.efficiency_score)],
  ]);
  figures("#attitude", [
    ...[5, 4, 3, 2, 1].map((level) => [S.levels[level], r[`rated_${level}`]]),
    [s("satisfaction"), pct(r.satisfaction_pct)], [s("poor"), r.poor], [s("followed_up"), r.followed_up],
    [s("score"), num(r.attitude_score)],
  ]);
  figures("#marks", [
    ...["morals", "ability", "dedication", "integrity", "learning"].map((m) => [s(m), r[m] ?? "—"]),
    [s("score"), num(r.marks_score)],
  ]);
  const list = $("#feedback");
  list.replaceChildren(...sheet.feedback.slice().reverse().map((f) =>
    el("li", {}, el("span", { class: "meta", text: f.at.slice(0, 10) }), el("p", { text: f.note }))));
  if (!sheet.feedback.length) list.append(el("li", { class: "meta", text: s("none") }));
}

async function load(from, to) {
  $("#from").value = from;
  $("#to").value = to;
  try {
    render((await request("GET", `/api/v1/appraisal/mine?from=${from}&to=${to}`)).body);
    $("#sheet").hidden = false;
    $("#signed-out").hidden = true;
  } catch (error) {
    $("#sheet").hidden = true;
    $("#signed-out").hidden = false;
    if (error.status !== 401 && error.status !== 403) $("#signed-out").firstElementChild.textContent = refusal(error);
  }
}

function start() {
  for (const node of document.querySelectorAll("[data-s]")) node.textContent = s(node.dataset.s);
  document.title = s("title");
  for (const button of document.querySelectorAll("[data-preset]")) {
    button.addEventListener("click", () => load(...preset(button.dataset.preset)));
  }
  for (const id of ["#from", "#to"]) {
    $(id).addEventListener("change", () => { if ($("#from").value && $("#to").value) load($("#from").value, $("#to").value); });
  }
  const asked = new URLSearchParams(location.search);
  load(...(asked.get("from") && asked.get("to") ? [asked.get("from"), asked.get("to")] : preset("month")));
}

start();
