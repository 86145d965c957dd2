// The default theme's only script, loaded with `defer`. Every page works without it; it adds
// three small things: title suggestions in the header's search box, the dark-mode toggle and
// the "copy link" button under articles.

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

// Dark mode. The reader's choice lives in localStorage under "midad-theme" and shows as
// <html data-theme="dark|light">; theme-init.js (inlined in <head>) applies it before the
// first paint. Without a choice the page follows the system's preference (CSS does that).
(function () {
  "use strict";
  var KEY = "midad-theme";
  var root = document.documentElement;
  var button = document.getElementById("theme-toggle");
  if (!button) return;
  var media = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

  function isDark() {
    var chosen = root.getAttribute("data-theme");
    if (chosen === "dark") return true;
    if (chosen === "light") return false;
    return !!(media && media.matches);
  }

  // The label says what a click does («الوضع الفاتح» while dark); a changing label with
  // aria-pressed would read as "light mode, pressed", so the label alone tells.
  function render() {
    var dark = isDark();
    button.textContent = button.getAttribute(dark ? "data-light" : "data-dark");
  }

  function apply(theme) {
    if (theme === "dark" || theme === "light") root.setAttribute("data-theme", theme);
    else root.removeAttribute("data-theme");
    render();
  }

  button.addEventListener("click", function () {
    var next = isDark() ? "light" : "dark";
    apply(next);
    try { localStorage.setItem(KEY, next); } catch (e) {}
  });

  // The system's preference changed, or another tab chose.
  if (media) {
    if (media.addEventListener) media.addEventListener("change", render);
    else if (media.addListener) media.addListener(render);
  }
  window.addEventListener("storage", function (e) {
    if (e.key === KEY) apply(e.newValue);
  });

  render();
  button.hidden = false;
})();

// "Copy link" under articles: shown only where the browser can write to the clipboard.
(function () {
  "use strict";
  var clipboard = navigator.clipboard;
  if (!clipboard || !clipboard.writeText) return;
  var buttons = document.querySelectorAll(".copy-link");
  Array.prototype.forEach.call(buttons, function (button) {
    var label = button.textContent;
    var timer = null;
    // Tells screen readers too, since the button's new label alone may go unannounced.
    var status = document.createElement("span");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    button.parentNode.appendChild(status);
    button.addEventListener("click", function () {
      var url = button.getAttribute("data-url") || window.location.href;
      clipboard.writeText(url).then(function () {
        var done = button.getAttribute("data-done") || label;
        button.textContent = done;
        status.textContent = done;
        clearTimeout(timer);
        timer = setTimeout(function () {
          button.textContent = label;
          status.textContent = "";
        }, 2000);
      }, function () {});
    });
    button.hidden = false;
  });
})();
