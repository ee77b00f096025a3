// Live scorecard: the server pushes the rows of this campaign after responses commit
// (coalesced to at most one update per unit per second); the page updates the
// participation cells in place. Without WebSocket support the page simply stays static.
(function () {
  var root = document.querySelector("[data-live-campaign]");
  if (!root || !window.WebSocket) return;
  var status = root.querySelector("[data-live-status]");
  var scheme = location.protocol === "https:" ? "wss://" : "ws://";
  var url = scheme + location.host + "/ws/surveys/campaigns/" + root.dataset.liveCampaign + "/";
  function pct(v) { return v === null ? "—" : (v * 100).toFixed(1) + "%"; }
  function connect(delay) {
    var socket = new WebSocket(url);
    socket.onmessage = function (event) {
      var data = JSON.parse(event.data);
      if (data.type !== "scorecard") return;
      data.units.forEach(function (u) {
        root.querySelectorAll('[data-unit="' + u.unit_code + '"]').forEach(function (tr) {
          var p = tr.querySelector('[data-field="participants"]');
          var r = tr.querySelector('[data-field="participation_rate"]');
          if (p) p.textContent = u.participants;
          if (r) r.textContent = pct(u.participation_rate);
        });
      });
      if (status) status.textContent = status.dataset.label + " · " + new Date().toLocaleTimeString();
    };
    socket.onclose = function () { setTimeout(function () { connect(Math.min(delay * 2, 30000)); }, delay); };
  }
  connect(2000);
})();
