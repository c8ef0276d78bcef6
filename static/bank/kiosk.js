// The branch kiosk (guideline §3.3): the on-screen PIN pad and the idle timeout.
(function () {
  "use strict";

  function pinPad(form) {
    var value = form.querySelector("#pin-value");
    var display = form.querySelector(".kiosk-pin-display");
    var dots = form.querySelectorAll(".kiosk-pin-dot");
    var ok = form.querySelector("[data-key=ok]");
    var digits = "";

    function show() {
      dots.forEach(function (dot, index) {
        dot.classList.toggle("kiosk-pin-dot-filled", index < digits.length);
      });
      display.setAttribute(
        "aria-label", display.dataset.label + ": " + digits.length + "/4"
      );
      value.value = digits;
      ok.disabled = digits.length !== 4;
      form.dataset.length = String(digits.length);
    }

    form.addEventListener("click", function (event) {
      var key = event.target.closest("[data-key]");
      if (!key || key.dataset.key === "ok") {
        return;
      }
      if (key.dataset.key === "clear") {
        digits = "";
      } else if (digits.length < 4) {
        digits += key.dataset.key;
      }
      show();
    });
    show();
  }

  function idleTimeout(seconds) {
    var timer = null;

    function expire() {
      // Wipe what was shown at once, then let the server forget the rest.
      document.getElementById("kiosk-main").replaceChildren();
      document.body.dataset.expired = "true";
      document.getElementById("kiosk-timeout").submit();
    }

    function restart() {
      window.clearTimeout(timer);
      timer = window.setTimeout(expire, seconds * 1000);
    }

    ["pointerdown", "touchstart", "keydown"].forEach(function (name) {
      document.addEventListener(name, restart, { passive: true });
    });
    restart();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("pin-form");
    if (form) {
      pinPad(form);
    }
    var seconds = Number(document.body.dataset.idleSeconds || 0);
    if (seconds > 0) {
      idleTimeout(seconds);
    }
  });
})();
