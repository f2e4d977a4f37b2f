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
  // The customer's form: the naming choices appear once they agree to be published, and
  // each shows the name it would print, from the name typed. Without JavaScript all of it
  // stays visible and the server shows the name typed when the form comes back.
  var consent = document.getElementById("consent_publish");
  var choices = document.getElementById("display-choices");
  if (consent && choices) {
    var showChoices = function () { choices.hidden = !consent.checked; };
    consent.addEventListener("change", showChoices);
    showChoices();
  }
  var typed = document.getElementById("customer_name");
  var shown = document.querySelectorAll("[data-shown-as]");
  if (typed && shown.length) {
    var showName = function () {
      var words = typed.value.trim().split(/\s+/).filter(Boolean);
      var full = words.join(" ");
      var first = words.length > 1
        ? words[0] + " " + words[words.length - 1].charAt(0).toUpperCase() + "."
        : full;
      for (var j = 0; j < shown.length; j++) {
        var as = shown[j].getAttribute("data-shown-as") === "full" ? full : first;
        shown[j].textContent = as ? ": " + as : "";
      }
    };
    typed.addEventListener("input", showName);
    showName();
  }
})();
