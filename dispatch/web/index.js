// The index: the hall's name over the links.
"use strict";

fetch("/api/v1/hall")
  .then((response) => response.json())
  .then((hall) => {
    document.getElementById("hall-name").textContent = hall.name;
  })
  .catch(() => null);
