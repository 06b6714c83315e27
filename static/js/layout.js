/* Layout helpers for every portal page (the Content-Security-Policy allows no inline script).
   - The menu button (a <details> disclosure, usable without JavaScript): Escape or a click
     outside closes it; browsers without ::details-content get it opened on wide screens.
   - Wide tables scroll inside their own box instead of the page: each table.table is wrapped in
     a .table-scroll box; when it does overflow, the box joins the keyboard order (tabindex=0)
     and is named after the table's caption or the section's heading, so the arrow keys scroll it;
     the edge where columns are hidden fades out (scroll-more-left / scroll-more-right), the cue
     that the table goes on.
   - A form sent back with errors: its first field in error takes the focus, so a screen reader
     reads its label and its error (the field's aria-describedby points at the error). */
(function () {
  "use strict";
  var menu = document.querySelector("details.navmenu");
  var wide = window.matchMedia("(min-width: 801px)");
  var contentPseudo = window.CSS && CSS.supports && CSS.supports("selector(::details-content)");

  if (menu) {
    var syncMenu = function () {
      if (!contentPseudo) menu.open = wide.matches;
    };
    syncMenu();
    if (wide.addEventListener) wide.addEventListener("change", syncMenu);
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.open && !wide.matches) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
    document.addEventListener("click", function (event) {
      if (menu.open && !wide.matches && !menu.contains(event.target)) menu.open = false;
    });
  }

  function nameOf(table) {
    var caption = table.querySelector("caption");
    if (caption && caption.textContent.trim()) return caption.textContent.trim();
    var section = table.closest("section, .card, main");
    var heading = section && section.querySelector("h1, h2, h3");
    return heading ? heading.textContent.trim() : "";
  }

  var boxes = [];
  document.querySelectorAll("table.table").forEach(function (table) {
    var parent = table.parentElement;
    if (!parent || parent.classList.contains("table-scroll")) return;
    var box = document.createElement("div");
    box.className = "table-scroll";
    parent.insertBefore(box, table);
    box.appendChild(table);
    boxes.push(box);
  });

  function markEdges(box) {
    var hidden = box.scrollWidth - box.clientWidth;
    box.classList.toggle("scroll-more-left", hidden > 1 && box.scrollLeft > 1);
    box.classList.toggle("scroll-more-right", hidden > 1 && box.scrollLeft < hidden - 1);
  }

  function markScrollable() {
    boxes.forEach(function (box) {
      var table = box.querySelector("table");
      markEdges(box);
      if (box.scrollWidth > box.clientWidth + 1) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        var name = nameOf(table);
        if (name) box.setAttribute("aria-label", name);
      } else {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
  }
  boxes.forEach(function (box) {
    box.addEventListener("scroll", function () { markEdges(box); }, { passive: true });
  });
  markScrollable();
  window.addEventListener("resize", markScrollable);

  var invalid = document.querySelector('main [aria-invalid="true"]');
  if (invalid && !document.querySelector("main :focus")) invalid.focus();
})();
