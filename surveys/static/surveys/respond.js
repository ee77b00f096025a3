// Progressive enhancement: live count of answered questions, and a submit button that
// cannot be pressed twice (the idempotency key already makes a second press harmless).
(function () {
  var form = document.querySelector(".survey-form");
  if (!form) return;
  var box = document.querySelector(".survey-progress");
  var total = parseInt(box.dataset.total, 10) || 0;
  var counter = box.querySelector("[data-answered]");
  var bar = box.querySelector(".progress rect");
  function update() {
    var answered = 0;
    form.querySelectorAll("fieldset.question").forEach(function (fs) {
      var filled = Array.prototype.some.call(fs.querySelectorAll("input, textarea"), function (el) {
        if (el.type === "radio" || el.type === "checkbox") return el.checked;
        return el.value.trim() !== "";
      });
      if (filled) answered += 1;
    });
    counter.textContent = answered;
    bar.setAttribute("width", total ? Math.round((100 * answered) / total) : 0);
  }
  form.addEventListener("change", update);
  form.addEventListener("input", update);
  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (form.dataset.sent) { event.preventDefault(); return; }
    form.dataset.sent = "1";
    if (button) {
      var hidden = document.createElement("input");
      hidden.type = "hidden"; hidden.name = button.name; hidden.value = button.value;
      if (button.name) form.appendChild(hidden);
      setTimeout(function () { button.disabled = true; }, 0);
    }
  });
  var errors = document.getElementById("survey-errors");
  if (errors) errors.focus();
})();
