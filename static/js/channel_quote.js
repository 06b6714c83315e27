/* TRK-3 / TRK-4 live quote on the trunk page: as the number of channels changes, ask the
   server for the quote fragment (debounced) and show it without reloading the page. Without
   JavaScript the form posts and the server shows the same quote with a confirm button. */
(function () {
  "use strict";
  var form = document.getElementById("channel-form");
  var target = document.getElementById("tel-quote");
  if (!form || !target) return;
  var input = form.querySelector("input[name=total]");
  var url = form.getAttribute("data-quote-url");
  if (!input || !url) return;
  var timer = null;
  var controller = null;
  var lastAsked = null;

  function show(html) {
    target.innerHTML = html;
    target.classList.remove("is-loading");
  }

  function ask() {
    var value = input.value.trim();
    if (value === lastAsked) return;
    lastAsked = value;
    if (value === "") {
      show("");
      return;
    }
    if (controller) controller.abort();
    controller = "AbortController" in window ? new AbortController() : null;
    target.classList.add("is-loading");
    fetch(url + "?total=" + encodeURIComponent(value), {
      headers: { "X-Requested-With": "XMLHttpRequest" },
      credentials: "same-origin",
      signal: controller ? controller.signal : undefined,
    })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) {
        if (input.value.trim() === value) show(html);
      })
      .catch(function (error) {
        if (error && error.name === "AbortError") return;
        target.classList.remove("is-loading");
        lastAsked = null;
      });
  }

  function schedule() {
    if (timer) clearTimeout(timer);
    timer = setTimeout(ask, 300);
  }

  input.addEventListener("input", schedule);
  input.addEventListener("change", schedule);
  // With the quote live, the form's own button is not needed; Enter still works (no-JS path).
  var submit = form.querySelector("[data-testid=quote-submit]");
  if (submit) submit.hidden = true;
  form.addEventListener("submit", function (event) {
    var confirm = target.querySelector("form[data-testid=confirm-change]");
    if (confirm) return; // a quote is shown: let the server show its confirmation page
    event.preventDefault();
    ask();
  });
  // A number typed while this script was still loading gets its quote too.
  if (input.value.trim() !== input.defaultValue.trim()) schedule();
  form.setAttribute("data-live", "on"); // the quote is live from now on (the browser tests wait for it)
})();
