// Live scorecard: the server pushes this campaign's scorecard after responses commit
// (coalesced to at most one update per unit per second). Each push carries the page's
// live parts (headline cards, charts, the rows of each table) rendered by the same
// templates as the page, so the page swaps them in whole and every figure moves
// together. Without WebSocket support the page simply stays static.
(function () {
  var root = document.querySelector("[data-live-campaign]");
  if (!root || !window.WebSocket) return;
  var status = root.querySelector("[data-live-status]");
  var scheme = location.protocol === "https:" ? "wss://" : "ws://";
  var url = scheme + location.host + "/ws/surveys/campaigns/" + root.dataset.liveCampaign +
    "/?unit=" + encodeURIComponent(root.dataset.liveUnit || "") +
    "&lang=" + encodeURIComponent(root.dataset.liveLang || "");
  function showStatus(notice) {
    if (!status) return;
    status.textContent = notice || status.dataset.label + " · " + new Date().toLocaleTimeString();
    status.classList.toggle("sv-live--paused", Boolean(notice));
  }
  function connect(delay) {
    var socket = new WebSocket(url);
    socket.onopen = function () { delay = 2000; };
    socket.onmessage = function (event) {
      var data = JSON.parse(event.data);
      // Redis stopped while the page was open: the figures stay as they are and the
      // status says so until the server pushes a fresh snapshot after it returns.
      if (data.type === "paused") {
        showStatus(data.notice);
        return;
      }
      if (data.type !== "scorecard" || !data.html) return;
      root.querySelectorAll("[data-live-part]").forEach(function (part) {
        var html = data.html[part.dataset.livePart];
        if (html !== undefined) part.innerHTML = html;
      });
      // A snapshot with a notice was read while live updates are paused (the socket
      // opened during an outage); one without means they run again.
      showStatus(data.notice);
    };
    // Reconnect with back-off (a deploy or a Redis restart closes every socket).
    socket.onclose = function () { setTimeout(function () { connect(Math.min(delay * 2, 30000)); }, delay); };
  }
  connect(2000);
})();
