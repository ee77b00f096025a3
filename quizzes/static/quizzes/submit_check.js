// Before a quiz is handed in with blank questions, say how many and offer to go back.
// The server asks the same when this script does not run; "仍然交卷" sends
// confirm_unanswered=1 and the timer's own submit never stops here.
(function () {
  "use strict";
  var form = document.querySelector(".quiz-form");
  if (!form) return;
  var box = form.querySelector(".unanswered-check");
  var count = form.querySelector(".unanswered-check__count strong");
  var back = form.querySelector(".unanswered-check__back");
  var submit = form.querySelector(".quiz-form__submit");
  var questions = Array.prototype.slice.call(form.querySelectorAll("fieldset.question"));

  function blanks() {
    return questions.filter(function (q) { return !q.querySelector("input:checked"); });
  }

  form.addEventListener("submit", function (event) {
    var by = event.submitter;
    if (by && by.name === "confirm_unanswered") return;
    var missing = blanks();
    if (!missing.length) return;
    event.preventDefault();
    questions.forEach(function (q) {
      q.classList.toggle("question--unanswered", missing.indexOf(q) !== -1);
    });
    count.textContent = form.dataset.unansweredMessage.replace("%(n)s", missing.length);
    back.setAttribute("href", "#" + missing[0].id);
    box.hidden = false;
    submit.hidden = true;
    box.focus({ preventScroll: true });
    box.scrollIntoView({ block: "center" });
  });

  form.addEventListener("change", function () {
    questions.forEach(function (q) {
      if (q.querySelector("input:checked")) q.classList.remove("question--unanswered");
    });
    if (!box.hidden && !blanks().length) {
      box.hidden = true;
      submit.hidden = false;
    }
  });
})();
