// The index: the hall's name over a link to every page, in the hall's locale (written into <html lang>).
"use strict";

const INDEX_TEXTS = {
  "zh-Hans": {
    caller: "软叫号", caller_hint: "窗口工作人员的电脑", keys: "呼叫器按键说明", keys_hint: "打印后放在呼叫器旁",
    evaluator: "服务评价", evaluator_hint: "窗口面向群众的平板", review: "审核审批", review_hint: "业务单位审核、审批人员的电脑",
    manage: "大厅管理", manage_hint: "管理人员：今日概况、提醒、统计、操作日志",
    appraisal: "绩效考核", appraisal_hint: "管理人员：考核表、定性评价、绩效反馈", hall_hint: "大厅实时状态（JSON）",
  },
  "zh-Hant": {
    caller: "軟叫號", caller_hint: "窗口工作人員的電腦", keys: "呼叫器按鍵說明", keys_hint: "打印後放在呼叫器旁",
    evaluator: "服務評價", evaluator_hint: "窗口面向群眾的平板", review: "審核審批", review_hint: "業務單位審核、審批人員的電腦",
    manage: "大廳管理", manage_hint: "管理人員：今日概況、提醒、統計、操作日誌",
    appraisal: "績效考核", appraisal_hint: "管理人員：考核表、定性評價、績效反饋", hall_hint: "大廳即時狀態（JSON）",
  },
  en: {
    caller: "Soft caller", caller_hint: "a clerk's PC at one window", keys: "Key card", keys_hint: "print it for each caller keypad",
    evaluator: "Evaluator", evaluator_hint: "the tablet facing the citizen", review: "Review station",
    review_hint: "the units' reviewers and approvers", manage: "Hall manager", manage_hint: "today at a glance, alerts, figures, the log",
    appraisal: "Appraisal", appraisal_hint: "the appraisal sheet, marks and feedback", hall_hint: "the hall now, as JSON",
  },
};

const INDEX_T = INDEX_TEXTS[document.documentElement.lang] || INDEX_TEXTS["zh-Hans"];
for (const el of document.querySelectorAll("[data-t]")) el.textContent = INDEX_T[el.dataset.t] ?? el.textContent;

fetch("/api/v1/hall")
  .then((response) => response.json())
  .then((hall) => {
    document.getElementById("hall-name").textContent = hall.name;
  })
  .catch(() => null);
