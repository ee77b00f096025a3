// Countdown for a timed attempt. The server enforces the deadline (with a short grace);
// at zero this submits the form so that answers given so far still count.
(function () {
  "use strict";
  var el = document.getElementById("quiz-timer");
  var alertBox = document.getElementById("quiz-timer-alert");
  var form = document.querySelector(".quiz-form");
  if (!el) return;
  var seconds = parseInt(el.dataset.seconds, 10);
  var end = Date.now() + seconds * 1000;
  var warned = false;
  function tick() {
    var left = Math.max(0, Math.round((end - Date.now()) / 1000));
    var m = Math.floor(left / 60), s = left % 60;
    el.textContent = m + ":" + (s < 10 ? "0" : "") + s;
    if (!warned && left <= 60 && alertBox) {
      warned = true;
      alertBox.textContent = el.dataset.warning || "";
    }
    if (left > 0) {
      window.setTimeout(tick, 1000);
    } else if (form && seconds > 0) {
      // Time is up: hand in what is there, blanks included, without asking.
      var confirm = document.createElement("input");
      confirm.type = "hidden";
      confirm.name = "confirm_unanswered";
      confirm.value = "1";
      form.appendChild(confirm);
      form.submit();
    }
  }
  tick();
})();
