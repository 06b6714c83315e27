// Issue 15: a running CDR import's back-office page shows its progress without reloading the
// page (a <meta refresh> would take the reader's place and focus away, WCAG 2.2.1): every
// 5 seconds the same page is fetched and its fieldsets' contents replaced; a live region says
// the new progress; a button pauses and resumes (WCAG 2.2.2). When the import has ended the
// page is reloaded once, with its whole report.
(function () {
  "use strict";
  var root = document.querySelector("[data-import-progress]");
  if (!root) return;
  var form = document.querySelector("#content-main form");
  var live = root.querySelector("[data-import-live]");
  var button = root.querySelector("button");
  var paused = false;
  var timer = null;

  function progressText(doc) {
    var field = doc.querySelector(".field-progress_display .readonly");
    return field ? field.textContent.trim() : "";
  }

  function poll() {
    fetch(window.location.href, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        if (!doc.querySelector("[data-import-progress]")) { window.location.reload(); return; }
        var fresh = doc.querySelectorAll("#content-main form fieldset");
        var shown = form ? form.querySelectorAll("fieldset") : [];
        for (var i = 0; i < fresh.length && i < shown.length; i++) shown[i].innerHTML = fresh[i].innerHTML;
        live.textContent = progressText(doc);
        schedule();
      })
      .catch(function () { schedule(); });
  }

  function schedule() {
    if (!paused) timer = window.setTimeout(poll, 5000);
  }

  button.addEventListener("click", function () {
    paused = !paused;
    button.textContent = paused ? button.dataset.resume : button.dataset.pause;
    button.setAttribute("aria-pressed", paused ? "true" : "false");
    if (paused) window.clearTimeout(timer); else poll();
  });
  schedule();
})();
