/* Reports how far audio/video has played, so a lesson can count as completed by media.
   The server only accepts progress no faster than real time; reading works without this.
   Also keeps the "我已学完" answer beside the button: a press that comes too early shows
   the remaining time there and counts it down, instead of reloading the page. */
(function () {
  "use strict";
  var article = document.querySelector("[data-report-url]");
  if (!article || !window.fetch) { return; }
  var url = article.getAttribute("data-report-url");
  var tokenInput = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (!tokenInput) { return; }
  var INTERVAL_MS = 10000;

  function report(media) {
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": tokenInput.value },
      body: JSON.stringify({ position: media.currentTime })
    }).catch(function () { /* a lost report only delays media-based completion */ });
  }

  document.querySelectorAll("[data-media-report]").forEach(function (media) {
    var last = 0;
    media.addEventListener("timeupdate", function () {
      var now = Date.now();
      if (now - last >= INTERVAL_MS) { last = now; report(media); }
    });
    media.addEventListener("pause", function () { report(media); });
    media.addEventListener("ended", function () { report(media); });
  });

  var form = document.querySelector(".finish-form");
  var status = document.getElementById("finish-status");
  if (!form || !status) { return; }
  var timer = null;

  function fill(templateId) {
    var template = document.getElementById(templateId);
    status.replaceChildren(template.content.cloneNode(true));
  }

  // Counts against the clock, not the ticks, so a throttled background tab stays right.
  function countDown(seconds) {
    window.clearInterval(timer);
    var end = Date.now() + seconds * 1000;
    var counter = status.querySelector("[data-countdown]");
    status.classList.add("finish-status--wait");
    function tick() {
      var left = Math.max(0, Math.ceil((end - Date.now()) / 1000));
      if (left > 0) { counter.textContent = String(left); return; }
      window.clearInterval(timer);
      status.classList.remove("finish-status--wait");
      fill("finish-ready");
    }
    tick();
    timer = window.setInterval(tick, 1000);
  }

  var initial = parseInt(status.getAttribute("data-remaining-seconds"), 10);
  if (initial > 0) { countDown(initial); }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": tokenInput.value },
      body: new FormData(form)
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    }).then(function (data) {
      if (data.completed) {
        // Same page: reload it to show the completed state and the next lesson.
        window.location.hash = "finish";
        window.location.reload();
        return;
      }
      button.disabled = false;
      fill("finish-wait");
      countDown(data.remaining_seconds);
    }).catch(function () {
      // Offline or an expired session: let the browser post the form itself.
      form.submit();
    });
  });
}());
