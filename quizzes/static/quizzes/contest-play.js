// The phone's side of a live contest: joins over the player socket, keeps the signed
// player token per PIN in localStorage, reconnects with it (backing off) when the socket
// drops or the page reloads, and draws each phase the server sends. The server owns the
// phase, the clock and the score; this only shows them and sends taps.
(function () {
  "use strict";

  var root = document.getElementById("contest-play");
  if (!root) return;
  var strings = JSON.parse(document.getElementById("cp-strings").textContent);
  var data = root.dataset;
  var storeKey = "qlxt.contest." + data.pin;
  var LETTERS = "ABCDEFGH";
  // Close codes of consumers.py: these end the game on this phone, no reconnecting.
  var FINAL_CLOSES = { 4404: "unknown", 4409: "removed", 4429: "too_many", 4403: "unknown" };
  // Errors that end joining; the rest are shown for a moment and play goes on.
  var JOIN_ERRORS = { locked: 1, removed: 1, name: 1, unit: 1 };

  var el = {
    screen: document.getElementById("cp-screen"),
    title: document.getElementById("cp-screen-title"),
    body: document.getElementById("cp-body"),
    conn: document.getElementById("cp-conn"),
    toast: document.getElementById("cp-toast"),
    announce: document.getElementById("cp-announce"),
    me: document.getElementById("cp-me"),
    meName: document.getElementById("cp-me-name"),
    meUnit: document.getElementById("cp-me-unit"),
    meScore: document.getElementById("cp-me-score"),
    guest: document.getElementById("cp-guest"),
  };

  function fmt(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_m, name) {
      return values[name] === undefined ? "" : String(values[name]);
    });
  }

  // --- the stored token ------------------------------------------------------------

  function load() {
    try {
      var saved = JSON.parse(window.localStorage.getItem(storeKey) || "null");
      // A PIN is reused once its contest is over: a token of another contest is void.
      return saved && String(saved.contest) === data.contest ? saved : null;
    } catch (e) {
      return null;
    }
  }
  var memory = load();

  function save(fields) {
    memory = Object.assign(memory || { contest: data.contest }, fields);
    try {
      window.localStorage.setItem(storeKey, JSON.stringify(memory));
    } catch (e) {
      // Private browsing without storage: the token lives as long as the page.
    }
  }

  function forgetToken() {
    if (memory) {
      delete memory.token;
      save({});
    }
  }

  // --- small pieces of the screen --------------------------------------------------

  function node(tag, className, text) {
    var n = document.createElement(tag);
    if (className) n.className = className;
    if (text !== undefined && text !== null) n.textContent = text;
    return n;
  }

  var toastTimer = null;
  function toast(message) {
    el.toast.textContent = message;
    el.toast.hidden = false;
    window.clearTimeout(toastTimer);
    toastTimer = window.setTimeout(function () {
      el.toast.hidden = true;
    }, 4000);
  }

  function connection(message) {
    el.conn.textContent = message || "";
    el.conn.hidden = !message;
  }

  function showMe(name, label) {
    if (name) el.meName.textContent = name;
    if (label !== undefined && label !== null) el.meUnit.textContent = label;
    el.me.hidden = false;
  }

  function showScore(me) {
    if (!me) return;
    el.meScore.textContent = fmt(strings.points_unit, { p: me.points });
    el.meScore.hidden = false;
  }

  // One screen at a time; the heading takes focus so a keyboard or screen reader user
  // lands on the new phase, and a short line is announced.
  function screen(title, announce) {
    var changed = el.title.textContent !== title;
    el.title.textContent = title;
    el.body.replaceChildren();
    el.screen.hidden = false;
    if (el.guest) el.guest.hidden = true;
    if (changed) {
      el.announce.textContent = announce || title;
      if (!el.screen.contains(document.activeElement) || document.activeElement === el.title) {
        el.title.focus({ preventScroll: true });
      }
    }
    return el.body;
  }

  function finalScreen(message) {
    screen(message);
    stopped = true;
    connection("");
  }

  // --- the countdown ---------------------------------------------------------------

  // The deadline is fixed when a state arrives (the server's seconds left, on this
  // phone's monotonic clock), so redrawing the screen never restarts the countdown.
  var timer = null;
  function countdown(parent, s, total, label) {
    window.clearInterval(timer);
    if (s.ends_in === null || s.ends_in === undefined) return;
    var wrap = node("div", "cp-timer");
    var text = node("p", "cp-timer__text");
    var bar = node("div", "cp-timer__bar");
    var fill = node("div", "cp-timer__fill");
    bar.appendChild(fill);
    wrap.appendChild(text);
    wrap.appendChild(bar);
    wrap.setAttribute("role", "timer");
    parent.appendChild(wrap);
    total = total || s.ends_in;
    function draw() {
      var left = s.paused ? s.ends_in : Math.max(0, (s.deadline - performance.now()) / 1000);
      text.textContent = (label ? label + " · " : "") + fmt(strings.seconds, { s: Math.ceil(left) });
      fill.style.transform = "scaleX(" + (total ? Math.min(1, left / total) : 0) + ")";
      // Red only while answering: the reading countdown is no reason to hurry.
      wrap.classList.toggle("cp-timer--low", s.phase === "answering" && left <= 5);
      if (left <= 0 || s.paused) window.clearInterval(timer);
    }
    draw();
    if (!s.paused) timer = window.setInterval(draw, 200);
  }

  // --- phases ----------------------------------------------------------------------

  var state = null;
  var pending = null; // the choice sent and not yet acknowledged

  function questionHead(parent, s) {
    parent.appendChild(node("p", "cp-step", fmt(strings.question, { i: s.index + 1, n: s.count })));
    parent.appendChild(node("p", "cp-stem", s.question.stem));
  }

  // The letters are the places on this phone (A is the first button), not the editor's
  // keys: each phone has its own order of the options.
  function lettered(s) {
    return (s.question.options || []).map(function (o, i) {
      return { key: o.key, text: o.text, letter: LETTERS[i] };
    });
  }

  function describe(s, keys) {
    return lettered(s)
      .filter(function (o) {
        return keys.indexOf(o.key) !== -1;
      })
      .map(function (o) {
        return o.letter + " " + o.text;
      })
      .join("；");
  }

  function drawLobby(s) {
    var body = screen(strings.lobby);
    body.appendChild(node("p", "cp-big", el.meName.textContent));
    if (el.meUnit.textContent) body.appendChild(node("p", "cp-note", el.meUnit.textContent));
    body.appendChild(node("p", "cp-count", fmt(strings.players, { n: s.me.players })));
  }

  function drawReading(s) {
    var body = screen(strings.reading, fmt(strings.question, { i: s.index + 1, n: s.count }));
    questionHead(body, s);
    countdown(body, s, s.reading_total, strings.reading);
  }

  function send(choice) {
    pending = choice;
    if (!socket || socket.readyState !== 1) {
      toast(strings.reconnecting);
      pending = null;
      return;
    }
    socket.send(JSON.stringify({ action: "answer", question: state.index, choice: choice }));
    draw(state);
  }

  function drawAnswering(s) {
    var chosen = s.answer ? s.answer.choice : pending;
    if (chosen) {
      var done = screen(strings.submitted);
      done.appendChild(node("p", "cp-choice", fmt(strings.your_choice, { key: describe(s, chosen.split("")) })));
      countdown(done, s, s.answer_seconds, "");
      return;
    }
    var body = screen(s.paused ? strings.paused : strings.answering, fmt(strings.question, { i: s.index + 1, n: s.count }));
    questionHead(body, s);
    countdown(body, s, s.answer_seconds, "");
    var multiple = s.question.kind === "multiple";
    if (multiple) body.appendChild(node("p", "cp-note", strings.multiple));
    var grid = node("div", "cp-options");
    grid.setAttribute("role", "group");
    grid.setAttribute("aria-label", s.question.stem);
    var picked = {};
    lettered(s).forEach(function (o, i) {
      var button = node("button", "cp-option cp-option--" + i);
      button.type = "button";
      button.disabled = s.paused;
      button.appendChild(node("span", "cp-option__letter", o.letter));
      button.appendChild(node("span", "cp-option__text", o.text));
      if (multiple) button.setAttribute("aria-pressed", "false");
      button.addEventListener("click", function () {
        if (!multiple) {
          send(o.key);
          return;
        }
        picked[o.key] = !picked[o.key];
        button.setAttribute("aria-pressed", picked[o.key] ? "true" : "false");
      });
      grid.appendChild(button);
    });
    body.appendChild(grid);
    if (multiple) {
      var submit = node("button", "button cp-primary cp-submit", strings.submit);
      submit.type = "button";
      submit.disabled = s.paused;
      submit.addEventListener("click", function () {
        var keys = Object.keys(picked).filter(function (k) {
          return picked[k];
        });
        if (!keys.length) {
          toast(strings.pick_one);
          return;
        }
        send(keys.sort().join(""));
      });
      body.appendChild(submit);
    }
  }

  function standing(parent, me) {
    parent.appendChild(node("p", "cp-standing", fmt(strings.total, { p: me.points, r: me.rank, n: me.players })));
  }

  function drawReveal(s) {
    var answer = s.answer;
    var verdict = !answer ? strings.none : answer.correct ? strings.right : strings.wrong;
    var body = screen(verdict);
    el.screen.dataset.verdict = !answer ? "none" : answer.correct ? "right" : "wrong";
    body.appendChild(node("p", "cp-key", fmt(strings.key, { key: describe(s, s.question.correct_keys.split("")) })));
    if (answer && !answer.correct) {
      body.appendChild(node("p", "cp-choice", fmt(strings.your_choice, { key: describe(s, answer.choice.split("")) })));
    }
    if (answer) {
      body.appendChild(node("p", "cp-points", fmt(strings.points, { p: answer.points })));
      if (answer.bonus) {
        body.appendChild(node("p", "cp-bonus", fmt(strings.bonus, { b: answer.bonus, s: answer.streak })));
      }
    }
    if (s.question.explanation) body.appendChild(node("p", "cp-explanation", s.question.explanation));
    standing(body, s.me);
  }

  function topList(parent, s) {
    if (!s.leaderboard || !s.leaderboard.length) return;
    parent.appendChild(node("h2", "cp-subtitle", strings.top));
    var list = node("ol", "cp-top");
    s.leaderboard.forEach(function (row) {
      var item = node("li", "cp-top__row");
      item.appendChild(node("span", "cp-top__rank", String(row.rank)));
      var who = node("span", "cp-top__who", row.name);
      if (row.unit) who.appendChild(node("small", "", row.unit));
      item.appendChild(who);
      item.appendChild(node("span", "cp-top__points", fmt(strings.points_unit, { p: row.points })));
      list.appendChild(item);
    });
    parent.appendChild(list);
  }

  function drawLeaderboard(s) {
    var body = screen(strings.leaderboard);
    body.appendChild(node("p", "cp-big", fmt(strings.you_rank, { r: s.me.rank, p: s.me.points })));
    topList(body, s);
  }

  function drawPodium(s) {
    var body = screen(strings.podium);
    body.appendChild(node("p", "cp-big", fmt(strings.final, { r: s.me.rank, n: s.me.players })));
    body.appendChild(node("p", "cp-standing", fmt(strings.final_points, { p: s.me.points, c: s.me.correct })));
    topList(body, s);
    // The contest is over: its PIN is freed, so nothing to reconnect to.
    stopped = true;
  }

  function draw(s) {
    window.clearInterval(timer);
    delete el.screen.dataset.verdict;
    el.screen.dataset.phase = s.phase;
    showScore(s.me);
    if (s.phase === "lobby") return drawLobby(s);
    if (s.phase === "podium") return drawPodium(s);
    if (!s.question) {
      var body = screen(strings.skipped);
      standing(body, s.me);
      return;
    }
    if (s.phase === "reading") return drawReading(s);
    if (s.phase === "answering") return drawAnswering(s);
    if (s.phase === "reveal") return drawReveal(s);
    if (s.phase === "leaderboard") return drawLeaderboard(s);
  }

  // --- the socket ------------------------------------------------------------------

  var socket = null;
  var attempts = 0;
  var stopped = false;
  var lobbyPoll = null;
  var retry = null;

  function joinMessage() {
    if (memory && memory.token) return { action: "join", token: memory.token };
    if (data.mode === "user") return { action: "join" };
    if (data.mode === "guest") return { action: "join", name: data.name, unit: data.unit };
    return null;
  }

  function onMessage(event) {
    var m;
    try {
      m = JSON.parse(event.data);
    } catch (e) {
      return;
    }
    if (m.type === "joined") {
      attempts = 0;
      connection("");
      save({ token: m.token, name: m.player.name, label: memory && memory.label ? memory.label : data.label || "" });
      showMe(m.player.name, memory.label);
    } else if (m.type === "ping") {
      socket.send(JSON.stringify({ action: "pong" }));
    } else if (m.type === "state") {
      var same = state && state.index === m.index && state.phase === m.phase;
      if (!same) pending = null;
      m.deadline = performance.now() + (m.ends_in || 0) * 1000;
      // The reading bar runs from full: the reading seconds are not sent, so the first
      // state of the phase gives them.
      m.reading_total = same && state.reading_total ? state.reading_total : m.ends_in;
      state = m;
      draw(m);
    } else if (m.type === "answer") {
      if (state && state.index === m.question) {
        state.answer = { choice: m.choice };
        pending = null;
        draw(state);
      }
    } else if (m.type === "removed") {
      save({ removed: true });
      forgetToken();
      finalScreen(strings.removed);
    } else if (m.type === "error") {
      onError(m);
    }
  }

  function onError(m) {
    if (m.code === "token") {
      // The token is void (another contest's, expired, or the player was removed).
      forgetToken();
      if (data.mode === "user") {
        socket.send(JSON.stringify({ action: "join" }));
        return;
      }
      finalScreen(strings.rejoin);
      if (el.guest) {
        el.guest.hidden = false;
        el.screen.hidden = true;
      }
      return;
    }
    if (JOIN_ERRORS[m.code]) {
      if (m.code === "removed") save({ removed: true });
      finalScreen(m.message);
      return;
    }
    if (m.code === "join") {
      var again = joinMessage();
      if (again) socket.send(JSON.stringify(again));
      return;
    }
    // A late tap, a double tap, a burst: say so for a moment, keep playing.
    if (pending !== null && state) {
      pending = null;
      draw(state);
    }
    toast(m.message || strings.rejoin);
  }

  function connect() {
    if (stopped) return;
    var message = joinMessage();
    if (!message) return;
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    connection(attempts ? strings.reconnecting : "");
    if (!state) el.title.textContent = attempts ? strings.reconnecting : strings.connecting;
    var ws = new WebSocket(scheme + window.location.host + data.socket);
    socket = ws;
    ws.addEventListener("open", function () {
      var join = joinMessage();
      if (join) ws.send(JSON.stringify(join));
    });
    ws.addEventListener("message", onMessage);
    ws.addEventListener("close", function (event) {
      if (socket !== ws) return;
      socket = null;
      if (FINAL_CLOSES[event.code]) {
        if (event.code === 4409) save({ removed: true });
        if (!stopped) finalScreen(strings[FINAL_CLOSES[event.code]]);
        return;
      }
      if (stopped) return;
      scheduleReconnect();
    });
  }

  function scheduleReconnect() {
    window.clearTimeout(retry);
    attempts += 1;
    connection(strings.reconnecting);
    // 1 s, 2 s, 4 s … up to 15 s, with jitter so a hall whose Wi-Fi came back does not
    // reconnect in one instant.
    var delay = Math.min(15000, 1000 * Math.pow(2, attempts - 1)) * (0.75 + Math.random() * 0.5);
    retry = window.setTimeout(connect, delay);
  }

  // A phone that slept may hold a dead socket: try at once when it wakes.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && !socket && !stopped && joinMessage()) {
      window.clearTimeout(retry);
      connect();
    }
  });

  // The lobby gets no push when someone joins; ask now and then for the count.
  lobbyPoll = window.setInterval(function () {
    if (state && state.phase === "lobby" && socket && socket.readyState === 1) {
      socket.send(JSON.stringify({ action: "state" }));
    }
  }, 15000 + Math.floor(Math.random() * 5000));

  // --- the guest's unit picker ------------------------------------------------------

  function unitPicker() {
    var search = document.getElementById("cp-unit-search");
    if (!search) return;
    var list = document.getElementById("cp-unit-list");
    var code = document.getElementById("cp-unit-code");
    var chosen = document.getElementById("cp-unit-chosen");
    var active = -1;
    var seq = 0;
    var debounce = null;

    function close() {
      list.hidden = true;
      search.setAttribute("aria-expanded", "false");
      search.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function choose(unit) {
      code.value = unit.code;
      search.value = unit.name;
      chosen.textContent = fmt(strings.chosen, { unit: unit.path });
      save({ label: unit.path });
      close();
    }

    function highlight(i) {
      var items = list.querySelectorAll("[role=option]");
      if (!items.length) return;
      active = (i + items.length) % items.length;
      items.forEach(function (item, j) {
        item.setAttribute("aria-selected", j === active ? "true" : "false");
      });
      search.setAttribute("aria-activedescendant", items[active].id);
      items[active].scrollIntoView({ block: "nearest" });
    }

    function show(results) {
      list.replaceChildren();
      if (!results.length) {
        list.appendChild(node("li", "cp-units__empty", strings.no_units));
      }
      results.forEach(function (unit, i) {
        var item = node("li", "cp-units__item");
        item.id = "cp-unit-" + i;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.appendChild(node("span", "cp-units__name", unit.name));
        item.appendChild(node("span", "cp-units__path", unit.path));
        item.addEventListener("click", function () {
          choose(unit);
        });
        item._unit = unit;
        list.appendChild(item);
      });
      list.hidden = false;
      search.setAttribute("aria-expanded", "true");
      active = -1;
    }

    function lookup() {
      var mine = ++seq;
      fetch(data.units + "?q=" + encodeURIComponent(search.value.trim()), { headers: { Accept: "application/json" } })
        .then(function (reply) {
          return reply.json().then(function (body) {
            return { ok: reply.ok, body: body };
          });
        })
        .then(function (r) {
          if (mine !== seq) return;
          if (!r.ok) {
            toast(r.body.error || strings.no_units);
            return;
          }
          show(r.body.results);
        })
        .catch(function () {
          if (mine === seq) toast(strings.reconnecting);
        });
    }

    search.addEventListener("input", function () {
      code.value = "";
      chosen.textContent = "";
      window.clearTimeout(debounce);
      debounce = window.setTimeout(lookup, 200);
    });
    search.addEventListener("focus", function () {
      if (!code.value) lookup();
    });
    search.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (list.hidden) lookup();
        else highlight(active + (event.key === "ArrowDown" ? 1 : -1));
      } else if (event.key === "Enter" && !list.hidden && active >= 0) {
        event.preventDefault();
        choose(list.querySelectorAll("[role=option]")[active]._unit);
      } else if (event.key === "Escape") {
        close();
      }
    });
    document.addEventListener("click", function (event) {
      if (!event.target.closest || !event.target.closest(".cp-units")) close();
    });
  }

  // --- start -----------------------------------------------------------------------

  unitPicker();
  if (memory && memory.removed) {
    finalScreen(strings.removed);
  } else if (joinMessage()) {
    if (memory && memory.name) showMe(memory.name, memory.label);
    else if (data.name) save({ label: data.label || "" });
    el.screen.hidden = false;
    if (el.guest) el.guest.hidden = true;
    connect();
  }
})();
