/* Reports how far audio/video has played, so a lesson can count as completed by media.
   The server only accepts progress no faster than real time; reading works without this. */
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
}());
