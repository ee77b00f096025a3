// The unit import's progress bar: polls the job's JSON status and reloads the page
// (which then shows the preview or the result) once the background task has finished.
(function () {
  "use strict";
  const section = document.querySelector("[data-import-status-url]");
  if (!section) {
    return;
  }
  const url = section.dataset.importStatusUrl;
  const bar = section.querySelector("[data-import-progress]");
  const label = section.querySelector("[data-import-label]");

  async function poll() {
    try {
      const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
      if (response.ok) {
        const status = await response.json();
        if (status.finished) {
          window.location.reload();
          return;
        }
        bar.max = Math.max(status.total, 1);
        if (status.indeterminate) {
          bar.removeAttribute("value");
        } else {
          bar.value = status.done;
        }
        bar.textContent = status.label;
        if (label.textContent !== status.label) {
          label.textContent = status.label;
        }
      }
    } catch (error) {
      // A dropped request (the server restarting): try again at the next tick.
    }
    window.setTimeout(poll, 1000);
  }
  window.setTimeout(poll, 1000);
})();
