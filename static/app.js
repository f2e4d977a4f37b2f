// Small progressive enhancements; every page works without them.
(function () {
  "use strict";
  // After a form comes back with errors, move focus to the list of what to fix, so keyboard
  // and screen-reader users start there (the list is also announced as an alert).
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
  // "Print or save as PDF" buttons (the portfolio); without JavaScript, the browser's Print.
  var prints = document.querySelectorAll("[data-print]");
  for (var i = 0; i < prints.length; i++) {
    prints[i].addEventListener("click", function () { window.print(); });
  }
})();
