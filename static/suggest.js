// As-you-type suggestions for the "find someone" search. The page works without it: the
// form submits to /reps and the server renders the results.
(function () {
  "use strict";
  var input = document.querySelector("input[data-suggest]");
  if (!input || !window.fetch) return;
  var kind = (document.querySelector("input[name=kind]") || {}).value || "thanks";
  var list = document.createElement("ul");
  list.className = "people suggestions";
  list.id = "suggestions";
  list.setAttribute("aria-live", "polite");
  list.setAttribute("aria-label", "Suggestions");
  input.parentNode.appendChild(list);
  var timer = null;
  var latest = 0;

  function render(items) {
    while (list.firstChild) list.removeChild(list.firstChild);
    items.forEach(function (rep) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = "/to/" + encodeURIComponent(rep.handle) + (kind === "complaint" ? "?kind=complaint" : "");
      var name = document.createElement("strong");
      name.textContent = rep.name;
      a.appendChild(name);
      if (rep.team) {
        a.appendChild(document.createElement("br"));
        var team = document.createElement("span");
        team.className = "muted";
        team.textContent = rep.team + " team";
        a.appendChild(team);
      }
      li.appendChild(a);
      list.appendChild(li);
    });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    var q = input.value.trim();
    if (q.length < 2) { render([]); return; }
    timer = setTimeout(function () {
      var ticket = ++latest;
      fetch("/api/v1/reps?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { items: [] }; })
        .then(function (body) { if (ticket === latest) render(body.items || []); })
        .catch(function () { /* the plain search still works */ });
    }, 150);
  });
})();
