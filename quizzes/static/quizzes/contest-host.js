// The projector screen of a live contest. Everything it shows comes from the host
// socket (/ws/contests/<id>/host/): the server sends the whole state on every connect
// and on every phase change, so a dropped socket only has to reconnect to be current.
// The countdown is drawn here from `ends_in` (seconds, by the server's clock); the
// server, not this page, decides when a phase ends.
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("contest-host-config").textContent);
  const L = JSON.parse(document.getElementById("contest-host-labels").textContent);
  const $ = (id) => document.getElementById(id);
  const body = document.body;

  const TIMED = ["reading", "answering"];
  const KEYED = ["reveal", "leaderboard", "podium"];
  // Which buttons each phase offers; pause/resume are chosen by `paused` below.
  const BUTTONS = {
    lobby: ["start", "end"],
    reading: ["next", "pause", "skip", "end"],
    answering: ["next", "pause", "skip", "end"],
    reveal: ["next", "end"],
    leaderboard: ["next", "end"],
    podium: [],
  };

  let state = null;
  let socket = null;
  let retry = 0;
  let deadline = null; // performance.now() at which the running phase ends
  let phaseTotal = 0; // longest ends_in seen for this phase, for the bar
  let phaseKey = "";
  let stopped = false;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, (_m, name) => String(values[name] ?? ""));
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function setConnection(text, ok) {
    const node = $("cs-connection");
    node.textContent = text;
    node.classList.toggle("is-ok", Boolean(ok));
  }

  function showMessage(text) {
    $("cs-message").textContent = text || "";
  }

  // --- socket ---------------------------------------------------------------------

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + config.socket);
    setConnection(retry ? L.reconnecting : L.connecting, false);
    socket.addEventListener("open", () => {
      retry = 0;
      setConnection(L.connected, true);
    });
    socket.addEventListener("message", (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch (_error) {
        return;
      }
      if (message.type === "state") {
        render(message);
      } else if (message.type === "answered") {
        renderAnswered(message.answered, message.players);
      } else if (message.type === "error") {
        showMessage(message.message);
      }
    });
    socket.addEventListener("close", (event) => {
      if (event.code === 4403) {
        stopped = true;
        setConnection(L.forbidden, false);
        return;
      }
      if (stopped) return;
      // 1 s, 2 s, 4 s … at most 10 s between attempts.
      const wait = Math.min(10000, 1000 * 2 ** retry);
      retry += 1;
      setConnection(L.reconnecting, false);
      window.setTimeout(connect, wait);
    });
  }

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      showMessage("");
      socket.send(JSON.stringify(message));
    } else {
      showMessage(L.reconnecting);
    }
  }

  // --- rendering ------------------------------------------------------------------

  function render(next) {
    state = next;
    body.dataset.phase = state.phase;
    body.classList.toggle("is-paused", Boolean(state.paused));
    const key = state.phase + ":" + state.index;
    if (key !== phaseKey) {
      phaseKey = key;
      phaseTotal = 0;
    }
    if (state.ends_in !== null && state.ends_in !== undefined) {
      phaseTotal = state.phase_seconds || Math.max(phaseTotal, state.ends_in);
      deadline = performance.now() + state.ends_in * 1000;
    } else {
      deadline = null;
    }
    const inPlay = state.phase !== "lobby";
    $("cs-progress").textContent = inPlay && state.phase !== "podium"
      ? fill(L.questionOf, { n: state.index + 1, total: state.count })
      : "";
    $("cs-pin-small").hidden = !inPlay || state.phase === "podium";
    $("cs-lobby").hidden = state.phase !== "lobby";
    $("cs-question").hidden = !["reading", "answering", "reveal"].includes(state.phase);
    $("cs-rankings").hidden = !["leaderboard", "podium"].includes(state.phase);
    $("cs-podium").hidden = state.phase !== "podium";
    $("cs-paused").hidden = !state.paused;
    if (state.phase === "lobby") renderLobby();
    if (!$("cs-question").hidden) renderQuestion();
    if (!$("cs-rankings").hidden) renderRankings();
    renderButtons();
    tick();
  }

  function removeButton(player, name) {
    const button = el("button", "cs-remove", "×");
    button.type = "button";
    button.setAttribute("aria-label", fill(L.remove, { name }));
    button.title = fill(L.remove, { name });
    button.addEventListener("click", () => {
      if (window.confirm(fill(L.confirmRemove, { name }))) {
        send({ action: "remove", player });
      }
    });
    return button;
  }

  function renderLobby() {
    const players = state.players || 0;
    $("cs-count").textContent = players ? fill(L.joined, { n: players }) : L.waiting;
    const list = $("cs-names");
    list.replaceChildren();
    for (const p of state.lobby || []) {
      const item = el("li", "cs-name");
      item.append(el("span", "cs-name-text", p.name));
      if (p.unit) item.append(el("span", "cs-name-unit", p.unit));
      item.append(removeButton(p.id, p.name));
      list.append(item);
    }
    const shown = (state.lobby || []).length;
    if (players > shown) list.append(el("li", "cs-name cs-more", fill(L.more, { n: players - shown })));
  }

  function renderQuestion() {
    const q = state.question;
    if (!q) return;
    $("cs-stem").textContent = q.skipped ? L.skipped : q.stem;
    const revealed = KEYED.includes(state.phase);
    const counts = state.option_counts || {};
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    const options = $("cs-options");
    options.replaceChildren();
    // While reading only the stem is on the screen: the options light up on the phones
    // and here at the same moment.
    options.hidden = state.phase === "reading" || q.skipped;
    (q.options || []).forEach((option, i) => {
      const item = el("li", "cs-option cs-option-" + (i % 6));
      const correct = revealed && (q.correct_keys || "").includes(option.key);
      item.classList.toggle("is-correct", correct);
      item.classList.toggle("is-wrong", revealed && !correct);
      item.append(el("span", "cs-option-key", option.key));
      item.append(el("span", "cs-option-text", option.text));
      if (revealed) {
        const n = counts[option.key] || 0;
        const bar = el("span", "cs-bar");
        bar.setAttribute("role", "img");
        bar.setAttribute("aria-label", option.key + " " + fill(L.people, { n }));
        const fillBar = el("span", "cs-bar-fill");
        fillBar.style.width = (total ? (100 * n) / total : 0) + "%";
        bar.append(fillBar);
        item.append(bar, el("span", "cs-bar-count", fill(L.people, { n })));
      }
      options.append(item);
    });
    renderAnswered(state.answered || 0, state.players || 0);
    $("cs-answered").hidden = state.phase === "reading";
    $("cs-explain").hidden = !revealed;
    if (revealed) {
      $("cs-key").textContent = fill(L.key, { keys: q.correct_keys || "" });
      $("cs-explanation").textContent = q.explanation ? L.explanation + q.explanation : "";
      $("cs-rule").textContent = q.rule ? L.rule + q.rule : "";
    }
    $("cs-timer").hidden = !TIMED.includes(state.phase);
    $("cs-timer-label").textContent = state.phase === "reading" ? L.reading : L.answering;
  }

  function renderAnswered(n, total) {
    $("cs-answered").textContent = fill(L.answered, { n, total });
  }

  function row(cells) {
    const tr = el("tr");
    for (const cell of cells) {
      const td = el("td");
      if (cell instanceof Node) td.append(cell);
      else td.textContent = String(cell);
      tr.append(td);
    }
    return tr;
  }

  function renderRankings() {
    const board = $("cs-board");
    board.replaceChildren();
    const leaders = state.leaderboard || [];
    if (!leaders.length) {
      const empty = row([L.noScores]);
      empty.firstChild.colSpan = 6;
      board.append(empty);
    }
    for (const p of leaders) {
      const action = state.phase === "podium" ? "" : removeButton(p.player, p.name);
      const tr = row([p.rank, p.name, p.unit || "—", p.correct, p.points, action]);
      if (p.rank <= 3) tr.classList.add("is-top");
      board.append(tr);
    }
    const units = $("cs-units");
    units.replaceChildren();
    const ranking = state.units || [];
    if (!ranking.length) {
      const empty = row([L.noUnits]);
      empty.firstChild.colSpan = 5;
      units.append(empty);
    }
    ranking.forEach((u, i) => {
      units.append(row([i + 1, u.unit_name, u.players, u.average.toFixed(1), u.total]));
    });
    if (state.phase === "podium") renderPodium(leaders);
  }

  function renderPodium(leaders) {
    const steps = $("cs-podium-steps");
    steps.replaceChildren();
    // Second, first, third from left to right, as on a real podium; equal points share
    // a place, so the place shown is the rank, not the position.
    const order = [1, 0, 2];
    for (const i of order) {
      const p = leaders[i];
      if (!p) continue;
      const step = el("li", "cs-step cs-step-" + (i + 1));
      step.append(el("span", "cs-step-rank", String(p.rank)));
      step.append(el("span", "cs-step-name", p.name));
      if (p.unit) step.append(el("span", "cs-step-unit", p.unit));
      step.append(el("span", "cs-step-points", fill(L.points, { n: p.points })));
      steps.append(step);
    }
  }

  function renderButtons() {
    const offered = new Set(BUTTONS[state.phase] || []);
    if (offered.has("pause") && state.paused) {
      offered.delete("pause");
      offered.add("resume");
    }
    for (const button of document.querySelectorAll(".cs-controls [data-action]")) {
      button.hidden = !offered.has(button.dataset.action);
    }
  }

  // --- countdown ------------------------------------------------------------------

  function tick() {
    if (!state || !TIMED.includes(state.phase) || deadline === null) return;
    const left = state.paused
      ? state.ends_in
      : Math.max(0, (deadline - performance.now()) / 1000);
    $("cs-timer-value").textContent = fill(L.seconds, { n: Math.ceil(left) });
    $("cs-timer-fill").style.width = (phaseTotal ? (100 * left) / phaseTotal : 0) + "%";
    $("cs-timer").classList.toggle("is-ending", left <= 5 && state.phase === "answering");
  }

  window.setInterval(tick, 200);

  // --- controls -------------------------------------------------------------------

  const CONFIRM = { end: L.confirmEnd, skip: L.confirmSkip };

  for (const button of document.querySelectorAll(".cs-controls [data-action]")) {
    button.addEventListener("click", () => {
      const action = button.dataset.action;
      if (CONFIRM[action] && !window.confirm(CONFIRM[action])) return;
      send({ action });
    });
  }

  // A presenter's clicker sends → or PageDown: both move on, like 下一步 / 开始.
  document.addEventListener("keydown", (event) => {
    if (!state || event.target.closest("input, textarea, select")) return;
    if (["ArrowRight", "PageDown"].includes(event.key)) {
      if (state.phase === "lobby") send({ action: "start" });
      else if (state.phase !== "podium") send({ action: "next" });
      event.preventDefault();
    }
  });

  connect();
})();
