// Countdown for a timed attempt. The server enforces the deadline; this only informs.
(function () {
  "use strict";
  var el = document.getElementById("quiz-timer");
  var alertBox = document.getElementById("quiz-timer-alert");
  if (!el) return;
  var end = Date.now() + parseInt(el.dataset.seconds, 10) * 1000;
  var warned = false;
  function tick() {
    var left = Math.max(0, Math.round((end - Date.now()) / 1000));
    var m = Math.floor(left / 60), s = left % 60;
    el.textContent = m + ":" + (s < 10 ? "0" : "") + s;
    if (!warned && left <= 60 && alertBox) {
      warned = true;
      alertBox.textContent = el.dataset.warning || "";
    }
    if (left > 0) window.setTimeout(tick, 1000);
  }
  tick();
})();
