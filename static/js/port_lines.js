/* Port-in wizard (NUM-3): "Add a line" adds an empty number/RIO row in place. Without
   JavaScript the same button posts the form and the page comes back with one more row. */
(function () {
  "use strict";
  var button = document.querySelector("[data-add-line]");
  var template = document.getElementById("port-line-template");
  var body = document.querySelector("[data-lines]");
  if (!button || !template || !body) return;
  var total = document.getElementById("id_" + button.getAttribute("data-prefix") + "-TOTAL_FORMS");
  var max = parseInt(button.getAttribute("data-max"), 10) || 100;
  if (!total) return;
  button.addEventListener("click", function (event) {
    event.preventDefault();
    var index = parseInt(total.value, 10) || 0;
    if (index >= max) return;
    var row = template.innerHTML
      .replace(/__prefix__/g, String(index))
      .replace(/__position__/g, String(index + 1));
    body.insertAdjacentHTML("beforeend", row);
    total.value = String(index + 1);
    var input = body.lastElementChild && body.lastElementChild.querySelector("input");
    if (input) input.focus();
    if (index + 1 >= max) button.hidden = true;
  });
  button.setAttribute("data-live", "on"); // adds rows in place from now on (the browser tests wait for it)
})();
