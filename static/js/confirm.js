/* A form with data-confirm asks the user before it is sent (the Content-Security-Policy allows
   no inline event handler: this replaces onsubmit="return confirm(…)"). */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form && form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });
})();
