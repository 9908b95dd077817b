/* The packing station 打包验货: scanner-first.

   A barcode scanner types the code and presses Enter, often faster than the server answers.
   Every scan is queued here and checked one at a time through htmx (the form's "sf-scan" event),
   so the hidden fields holding the accepted scans are always the server's latest answer. The
   scan box is emptied at once and keeps the focus. A refused item flashes the whole page red
   (no sound); a good one flashes green. Without script the same form posts and the page reloads. */
(function () {
  "use strict";

  function flash(kind) {
    if (kind !== "ok" && kind !== "error") { return; }
    var body = document.body;
    body.classList.remove("sf-flash-ok", "sf-flash-error");
    void body.offsetWidth; // restart the animation
    body.classList.add(kind === "ok" ? "sf-flash-ok" : "sf-flash-error");
  }

  function feedbackKind() {
    var box = document.getElementById("sf-feedback");
    return box ? box.getAttribute("data-kind") : "";
  }

  function init() {
    var form = document.getElementById("sf-scan-form");
    var input = document.getElementById("sf-scan");
    if (!input) { return; }
    input.focus();
    flash(feedbackKind());
    if (!form || !window.htmx) { return; }

    // With script: the visible box has no name; the code travels in a hidden field, one per request.
    var current = document.createElement("input");
    current.type = "hidden";
    current.name = "scan";
    form.appendChild(current);
    input.removeAttribute("name");
    var finish = document.getElementById("sf-finish");
    var queue = [];
    var busy = false;

    function setBusy(value) {
      busy = value;
      form.classList.toggle("sf-busy", value);
      if (finish) { finish.disabled = value || queue.length > 0; }
      var pending = document.getElementById("sf-pending");
      if (pending) { pending.textContent = queue.length ? String(queue.length) : ""; }
    }

    function pump() {
      if (busy || !queue.length) { setBusy(busy); return; }
      current.value = queue.shift();
      setBusy(true);
      window.htmx.trigger(form, "sf-scan");
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var code = input.value.trim();
      input.value = "";
      input.focus();
      if (code) { queue.push(code); pump(); }
    });

    form.addEventListener("htmx:afterSettle", function () {
      flash(feedbackKind());
      setBusy(false);
      pump();
      input.focus();
    });
    form.addEventListener("htmx:afterRequest", function (event) {
      if (event.detail.failed || !event.detail.successful) {
        var box = document.getElementById("sf-feedback");
        if (box) {
          box.setAttribute("data-kind", "error");
          box.className = "sf-feedback sf-feedback-error";
          box.textContent = form.getAttribute("data-network-error");
        }
        flash("error");
        queue = [];
        setBusy(false);
        input.focus();
      }
    });

    // The scan box keeps the focus unless the packer works in another field.
    document.addEventListener("keydown", function (event) {
      var t = event.target;
      if (t === document.body && event.key && event.key.length === 1) { input.focus(); }
    });
  }

  document.addEventListener("DOMContentLoaded", init);
})();
