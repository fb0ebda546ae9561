// Project scripts, loaded as files: the Content-Security-Policy forbids inline scripts.
"use strict";

// Move focus to the swapped region after an htmx update, so screen-reader and keyboard users
// follow partial page changes.
document.addEventListener("htmx:afterSwap", (event) => {
  const target = event.detail.target;
  if (target && target.hasAttribute("data-focus-after-swap")) {
    target.focus();
  }
});
