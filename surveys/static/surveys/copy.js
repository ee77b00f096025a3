// Copy buttons beside the unit links on the distribution page. The buttons stay hidden
// without JavaScript (the links are still selectable text). The Clipboard API needs a
// secure context, and an admin reached over plain http on an intranet address is not
// one, so selecting the field and execCommand("copy") is the fallback.
(function () {
  function copyText(input) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(input.value);
    }
    input.focus();
    input.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    return ok ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }
  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    var input = document.getElementById(button.dataset.copyTarget);
    if (!input) return;
    var status = button.parentNode.querySelector(".sv-copy__status");
    var timer = null;
    button.hidden = false;
    button.addEventListener("click", function () {
      copyText(input).then(
        function () { status.textContent = button.dataset.copiedLabel; },
        function () { input.select(); status.textContent = button.dataset.failedLabel; }
      ).then(function () {
        clearTimeout(timer);
        timer = setTimeout(function () { status.textContent = ""; }, 3000);
      });
    });
  });
})();
