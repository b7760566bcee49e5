// The key card: the hall's services, numbered as the transfer key counts them.
"use strict";

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
