// Follows a page whose content the server changes (a retrieval on its way)
// without a timed refresh, which WCAG 2.2.1 rules out: the page is fetched again
// in the background and reloaded only when what it says has changed.
(function () {
  "use strict";

  var watched = document.querySelector("[data-follow]");
  if (!watched) {
    return;
  }
  var delay = (Number(watched.dataset.follow) || 3) * 1000;

  function check() {
    fetch(location.href, { cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        // Moved on (redirected) or gone: ask again in the page itself, so that
        // what the server says then (and any message it adds) is shown once.
        if (response.redirected || !response.ok) {
          location.reload();
          return;
        }
        return response.text().then(function (html) {
          var page = new DOMParser().parseFromString(html, "text/html");
          var next = page.querySelector("[data-follow]");
          if (!next || next.outerHTML !== watched.outerHTML) {
            location.reload();
            return;
          }
          window.setTimeout(check, delay);
        });
      })
      .catch(function () {
        window.setTimeout(check, delay);
      });
  }

  window.setTimeout(check, delay);
})();
