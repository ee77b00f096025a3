/* Sharing a certificate from a phone: the system share sheet (with the picture where the
   browser can share files), else copying the verification link. The link and the
   download button work without this script. */
(function () {
  "use strict";
  var status = document.querySelector("[data-share-status]");
  var link = document.getElementById("verify-link");
  if (!status || !link) { return; }

  function say(templateId) {
    status.textContent = document.getElementById(templateId).content.textContent;
  }

  function copy() {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(link.value).then(
        function () { say("share-copied"); },
        function () { link.select(); say("share-failed"); }
      );
      return;
    }
    link.select();
    try {
      say(document.execCommand("copy") ? "share-copied" : "share-failed");
    } catch (error) {
      say("share-failed");
    }
  }

  var copyButton = document.querySelector("[data-copy]");
  if (copyButton) {
    copyButton.hidden = false;
    copyButton.addEventListener("click", copy);
  }

  var share = document.querySelector("[data-share]");
  if (!share) { return; }
  share.hidden = false;
  var data = {
    title: share.getAttribute("data-share-title"),
    url: share.getAttribute("data-share-url")
  };
  var picture = null;

  // Fetched ahead: share() must run inside the tap, and a fetch there would outlive it.
  if (navigator.canShare && window.File && window.fetch) {
    fetch(share.getAttribute("data-share-file"), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.blob() : null; })
      .then(function (blob) {
        if (!blob) { return; }
        var file = new File([blob], share.getAttribute("data-share-file-name"),
          { type: "image/png" });
        if (navigator.canShare({ files: [file] })) { picture = file; }
      })
      .catch(function () { /* share the link alone */ });
  }

  share.addEventListener("click", function () {
    if (!navigator.share) { copy(); return; }
    var payload = { title: data.title, text: data.title, url: data.url };
    if (picture) { payload.files = [picture]; }
    navigator.share(payload).catch(function (error) {
      if (error && error.name === "AbortError") { return; }  // the person closed it
      copy();
    });
  });
}());
