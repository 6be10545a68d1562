// The pages' one script: live clocks, local times, copy buttons, a confirm on revoke, and a reload when
// something changes on the server (a start, a public run, a grade). No page depends on it to work.
(function () {
  "use strict";

  function clock(seconds) {
    var total = Math.round(Math.abs(seconds));
    var h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
    var mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(s).padStart(2, "0");
  }
  window.mlJudge = { clock: clock };  // for candidate.js

  // Clocks: the server said how many seconds were left when it drew the page; count down from there on
  // this machine's monotonic clock (its wall clock may be wrong), and re-sync now and then if we can.
  var timers = Array.prototype.slice.call(document.querySelectorAll("[data-remaining]"));
  var loaded = performance.now();
  timers.forEach(function (el) { el.judgeLeft = parseFloat(el.getAttribute("data-remaining")); el.judgeAt = loaded; });
  function tick() {
    var now = performance.now();
    timers.forEach(function (el) {
      var left = el.judgeLeft - (now - el.judgeAt) / 1000;
      var big = el.getAttribute("data-format") === "big";
      el.classList.toggle("over", left < 0);
      el.textContent = left >= 0 ? clock(left) + (big ? "" : " left") : (big ? "-" : "over by ") + clock(-left);
    });
  }
  if (timers.length) { tick(); setInterval(tick, 1000); }
  timers.forEach(function (el) {
    var url = el.getAttribute("data-sync");
    if (!url) { return; }
    setInterval(function () {
      fetch(url, { credentials: "same-origin", cache: "no-store" }).then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (data && typeof data.remaining_s === "number") { el.judgeLeft = data.remaining_s; el.judgeAt = performance.now(); }
        }).catch(function () {});
    }, 30000);
  });

  // Times in the reader's own time zone (the page says UTC without this script).
  document.querySelectorAll("time[data-local]").forEach(function (el) {
    var when = new Date(el.getAttribute("datetime"));
    if (!isNaN(when)) {
      el.title = el.textContent;
      el.textContent = when.toLocaleString([], { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    }
  });

  // Copy buttons.
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var field = document.querySelector(button.getAttribute("data-copy"));
      var status = button.closest("section, div").parentNode.querySelector(".copied") || document.querySelector(".copied");
      function done(ok) { if (status) { status.textContent = ok ? "Copied." : "Select the text and copy it."; } }
      field.focus(); field.select();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(function () { done(true); }, function () { done(document.execCommand("copy")); });
      } else {
        done(document.execCommand("copy"));
      }
    });
  });

  // Revoking asks first.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });

  // Reload when the server's state changes, unless the reader is typing in a form (the candidate's editor
  // saves its draft on the server, so typing there does not hold the page back).
  var watch = document.body.getAttribute("data-watch");
  var edited = false;
  document.addEventListener("input", function (event) {
    if (!(event.target && event.target.closest && event.target.closest("[data-autosaved]"))) { edited = true; }
  });
  if (watch) {
    // The page says which state it was drawn from, so a change that lands before the first poll is seen.
    var seen = document.body.getAttribute("data-watch-version");
    var poll = function () {
      if (document.hidden) { setTimeout(poll, 3000); return; }
      fetch(watch, { credentials: "same-origin", cache: "no-store" }).then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (data && data.version) {
            if (seen !== null && data.version !== seen && !edited) { window.location.reload(); return; }
            seen = data.version;
          }
          setTimeout(poll, 3000);
        }).catch(function () { setTimeout(poll, 10000); });
    };
    poll();
  }
})();
