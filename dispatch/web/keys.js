// The key card: the pad's keys in the hall's words, and the hall's services numbered as the transfer key counts
// them (a number, then *), the same on the soft caller.
"use strict";

applyTexts();
document.title = t("card_title");

fetch("/api/v1/hall")
  .then((response) => response.json())
  .then((hall) => {
    document.getElementById("hall-name").textContent = hall.name;
    const list = document.getElementById("services");
    for (const service of hall.services) {
      const item = document.createElement("li");
      item.textContent = service.name;
      list.append(item);
    }
  })
  .catch(() => null);
