// The candidate page's editor: solution.py in CodeMirror (static/editor.js; a plain textarea when that
// bundle did not load), saved on the server as the candidate types, the public examples run on the server,
// and Submit, which runs the same pre-checks first and asks with the one-screen summary. Without scripts the
// page keeps its upload form; this only adds to it.
(function () {
  "use strict";

  var card = document.getElementById("editor-card");
  if (!card || !window.fetch) { return; }
  var csrf = card.getAttribute("data-csrf");
  var pending = card.getAttribute("data-pending") === "true";
  var textarea = document.getElementById("source");
  var saveState = document.getElementById("save-state");
  var alertBox = document.getElementById("editor-alert");
  var runBox = document.getElementById("run-result");
  var runButton = document.getElementById("run-examples");
  var submitButton = document.getElementById("submit-editor");
  var dialog = document.getElementById("confirm-submit");
  var clock = (window.mlJudge && window.mlJudge.clock) || function (s) { return Math.round(s) + " s"; };

  // -- the editor ------------------------------------------------------------------------------------
  var editor;
  if (window.mlJudgeEditor) {
    var host = document.createElement("div");
    host.className = "editor-host";
    textarea.parentNode.insertBefore(host, textarea);
    textarea.hidden = true;
    editor = window.mlJudgeEditor.mount(host, { doc: textarea.value, onChange: changed, label: "solution.py",
                                                readOnly: pending });
  } else {  // the bundle is missing: the textarea is the editor (drafts, runs and submit still work)
    textarea.addEventListener("input", function () { changed(textarea.value); });
    textarea.readOnly = pending;
    editor = { getText: function () { return textarea.value; } };
  }
  card.hidden = false;
  card.judgeText = function () { return editor.getText(); };  // what would be saved or sent (tests read it)
  document.body.classList.add("has-editor");

  function headers(type) {
    return { "Content-Type": type, "Accept": "application/json", "X-CSRF-Token": csrf };
  }

  function answer(response) {  // the JSON body, or an Error carrying the server's message and status
    return response.json().catch(function () { return {}; }).then(function (data) {
      if (response.ok) { return data; }
      var error = new Error(data.error || ("the server answered " + response.status));
      error.status = response.status;
      error.retryAfter = parseFloat(response.headers.get("Retry-After") || "0");
      throw error;
    });
  }

  // -- drafts: saved about a second after the last keystroke, and when the tab is hidden or closed ----------
  var dirty = false, saving = false, timer = null, savedText = textarea.value;
  function say(text, bad) { saveState.textContent = text; saveState.classList.toggle("bad", Boolean(bad)); }
  function changed() {
    dirty = true;
    say("Editing: not saved yet");
    clearTimeout(timer);
    timer = setTimeout(save, 800);
  }
  function save() {
    clearTimeout(timer);
    if (!dirty) { return Promise.resolve(); }
    if (saving) { timer = setTimeout(save, 400); return Promise.resolve(); }
    var text = editor.getText();
    dirty = false; saving = true;
    say("Saving...");
    return fetch("/candidate/draft", { method: "PUT", credentials: "same-origin", headers: headers("text/x-python"),
                                        body: text })
      .then(answer).then(function (data) {
        savedText = text;
        say("Saved on the server at " + new Date(data.saved_at * 1000).toLocaleTimeString([], { hour12: false }));
      }).catch(function (error) {
        dirty = true;
        var retry = [409, 413, 422].indexOf(error.status) < 0;  // a refusal, not a failure: retrying changes nothing
        say("Not saved: " + error.message + (retry ? " (trying again)" : ""), true);
        if (retry) { timer = setTimeout(save, Math.max(5, error.retryAfter || 0) * 1000); }
      }).then(function () { saving = false; });
  }
  function flush() {  // the tab is going away: one last save that outlives the page
    if (!dirty && editor.getText() === savedText) { return; }
    dirty = false;
    fetch("/candidate/draft", { method: "PUT", credentials: "same-origin", keepalive: true,
                                headers: headers("text/x-python"), body: editor.getText() }).catch(function () {});
  }
  document.addEventListener("visibilitychange", function () { if (document.visibilityState === "hidden") { flush(); } });
  window.addEventListener("pagehide", flush);

  // -- the public examples, on the server ----------------------------------------------------------------
  function busy(flag, text) {
    runButton.disabled = flag || pending;
    submitButton.disabled = flag || pending;
    card.setAttribute("aria-busy", flag ? "true" : "false");
    if (text !== undefined) { runBox.textContent = text; }
  }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  function showAlert(text) {
    alertBox.textContent = "";
    if (text) { alertBox.appendChild(el("div", "banner warn", text)); }
  }
  function runExamples(text, forSubmit) {  // the examples run on ``text``: what Submit would send
    showAlert("");
    busy(true, "Running the public examples on the server...");
    return save().then(function () {
      return fetch("/candidate/public-runs", { method: "POST", credentials: "same-origin",
                                               headers: headers("text/x-python"), body: text });
    }).then(answer).then(function (view) { busy(false, ""); showRun(view); return view; }, function (error) {
      busy(false, "");
      // No sandbox on the server right now, or too many runs: Submit still goes ahead (the server stores the
      // submission and grades it when it can), with the summary saying the examples did not run.
      if (forSubmit && (error.status === 503 || error.status === 429)) {
        return { ran: false, refusal: "", unavailable: error.message };
      }
      showAlert("The examples did not run: " + error.message);
      return null;
    });
  }
  function showRun(view) {
    runBox.textContent = "";
    if (view.refusal) { showAlert(view.refusal); }
    if (!view.ran) { return; }
    var head = el("p", "run-head");
    head.appendChild(el("strong", "", "Public examples on the server: " + view.passed + "/" + view.total + " passed"));
    head.appendChild(document.createTextNode(" (" + view.verdict_text + ")"));
    head.id = "run-summary";
    runBox.appendChild(head);
    var box = el("div", "scroll"), table = el("table", "runs"), body = el("tbody");
    var row = el("tr");
    ["Result", "Example", "What it checks"].forEach(function (name) { row.appendChild(el("th", "", name)); });
    table.appendChild(el("thead")).appendChild(row);
    view.tests.forEach(function (t) {
      var tr = el("tr");
      tr.setAttribute("data-status", t.status);
      var pill = t.status === "pass" ? ["pill pass", "\u2713 PASS"] : t.status === "fail" ? ["pill fail", "\u2717 FAIL"]
        : ["pill error", "! ERROR"];
      tr.appendChild(el("td")).appendChild(el("span", pill[0], pill[1]));
      tr.appendChild(el("td", "mono", t.name));
      var what = tr.appendChild(el("td", "", t.description || ""));
      if (t.message && t.status !== "pass") { what.appendChild(el("pre", "msg " + t.status, t.message)); }
      body.appendChild(tr);
    });
    table.appendChild(body);
    box.appendChild(table);
    runBox.appendChild(box);
    if (view.detail) { runBox.appendChild(el("pre", "msg out", view.detail)); }
  }

  // -- Submit: the pre-checks, the one-screen summary, then the upload form's own route --------------------
  function confirmSubmit(view) {
    return fetch("/candidate/state.json", { credentials: "same-origin", cache: "no-store",
                                            headers: { "Accept": "application/json" } })
      .then(answer).then(function (now) {
        var left = now.remaining_s;
        document.getElementById("confirm-time").textContent = clock(now.elapsed_s) + " of " + clock(now.budget_s) +
          ", " + (left < 0 ? "over by " + clock(-left) : clock(left) + " left");
        document.getElementById("confirm-public").textContent = view.ran
          ? view.passed + "/" + view.total + " pass" + (view.verdict === "passed" || view.verdict === "failed" ? ""
            : " (" + view.verdict + ")")
          : view.unavailable ? "not run: " + view.unavailable : "not run (the problem has none)";
        var failing = (view.tests || []).filter(function (t) { return t.status !== "pass"; })
          .map(function (t) { return t.name; });
        document.getElementById("confirm-failing").textContent = failing.length ? failing.join(", ") : "none";
        return new Promise(function (resolve) {
          dialog.addEventListener("close", function done() {
            dialog.removeEventListener("close", done);
            resolve(dialog.returnValue === "submit");
          });
          dialog.returnValue = "";
          dialog.showModal();
        });
      });
  }
  function upload(text) {
    var form = new FormData();
    form.append("csrf", csrf);
    form.append("solution", new Blob([text], { type: "text/x-python" }), "solution.py");
    return fetch("/candidate/submissions", { method: "POST", credentials: "same-origin", body: form,
                                             headers: { "Accept": "application/json" } }).then(answer);
  }
  function submit() {
    var text = editor.getText();  // what is checked is what is sent, even if typing goes on meanwhile
    runExamples(text, true).then(function (view) {
      if (!view) { return; }
      if (view.refusal) {
        showAlert("Not submitted: " + view.refusal + "\nYour attempt is still open and the clock is running.");
        return;
      }
      return confirmSubmit(view).then(function (yes) {
        if (!yes) {
          runBox.insertBefore(el("p", "note", "Not submitted: your attempt is still open."), runBox.firstChild);
          return;
        }
        busy(true, "Submitting...");
        return upload(text).then(function () {
          history.replaceState(null, "", "/candidate#result");
          window.location.reload();
        });
      });
    }).catch(function (error) {
      busy(false, "");
      showAlert((/^not submitted/i.test(error.message) ? "" : "Not submitted: ") + error.message);
    });
  }

  runButton.addEventListener("click", function () { runExamples(editor.getText()); });
  submitButton.addEventListener("click", submit);
  busy(false);
})();
