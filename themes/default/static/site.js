// Title suggestions for the header's search box. The box works without this script (it is
// a plain form); with it, titles matching what is typed appear as the reader types.
(function () {
  "use strict";
  var input = document.getElementById("header-q");
  var list = document.getElementById("header-suggestions");
  if (!input || !list || !window.fetch) return;
  var timer = null;
  var last = "";
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var q = input.value.trim();
      if (q.length < 2 || q === last) return;
      last = q;
      fetch("/api/v1/search/suggest?q=" + encodeURIComponent(q))
        .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
        .then(function (data) {
          while (list.firstChild) list.removeChild(list.firstChild);
          (data.suggestions || []).forEach(function (s) {
            var option = document.createElement("option");
            option.value = s.title;
            list.appendChild(option);
          });
        })
        .catch(function () {});
    }, 200);
  });
})();
