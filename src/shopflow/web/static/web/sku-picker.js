/* SKU picker (web/catalog/_sku_picker.html): htmx fetches the options as you type; this file
   lets the keyboard and the mouse choose one. ↓/↑ move, Enter or Tab choose, Esc closes.
   A scanned code or barcode followed by Enter picks the exact match. The SKU id goes into the
   hidden input that carries the form field's name. */
(function () {
  "use strict";

  function parts(el) {
    var root = el && el.closest ? el.closest("[data-sku-picker]") : null;
    if (!root) { return null; }
    return {
      root: root,
      value: root.querySelector("[data-picker-value]"),
      text: root.querySelector("[data-picker-text]"),
      menu: root.querySelector(".sf-picker-menu")
    };
  }

  function options(p) { return Array.prototype.slice.call(p.menu.querySelectorAll("[role=option]")); }

  function place(p) {
    // Fixed, so a scrolling table (.table-responsive) does not clip the list.
    var r = p.text.getBoundingClientRect();
    p.menu.style.position = "fixed";
    p.menu.style.left = r.left + "px";
    p.menu.style.top = (r.bottom + 2) + "px";
    p.menu.style.minWidth = r.width + "px";
  }

  function isOpen(p) { return p.menu.classList.contains("show"); }

  function close(p) {
    p.menu.classList.remove("show");
    p.text.setAttribute("aria-expanded", "false");
    p.text.removeAttribute("aria-activedescendant");
  }

  function open(p) {
    if (!p.menu.children.length) { close(p); return; }
    place(p);
    p.menu.classList.add("show");
    p.text.setAttribute("aria-expanded", "true");
  }

  function active(p) {
    return options(p).findIndex(function (o) { return o.classList.contains("active"); });
  }

  function highlight(p, index) {
    var opts = options(p);
    opts.forEach(function (o, k) {
      o.classList.toggle("active", k === index);
      o.setAttribute("aria-selected", k === index ? "true" : "false");
    });
    if (opts[index]) {
      p.text.setAttribute("aria-activedescendant", opts[index].id);
      opts[index].scrollIntoView({ block: "nearest" });
    }
  }

  function focusNext(p) {
    var form = p.text.form;
    if (!form) { return; }
    var fields = Array.prototype.filter.call(form.elements, function (el) {
      return !el.disabled && el.type !== "hidden" && el.offsetParent !== null && el.tabIndex >= 0 &&
        !el.closest(".sf-picker-menu");
    });
    var next = fields[fields.indexOf(p.text) + 1];
    if (next) { next.focus(); if (next.select) { next.select(); } }
  }

  function choose(p, option, moveOn) {
    p.value.value = option.getAttribute("data-value");
    p.text.value = option.getAttribute("data-label");
    p.text.setAttribute("data-chosen", p.text.value);
    p.text.classList.remove("is-invalid");
    close(p);
    p.value.dispatchEvent(new Event("change", { bubbles: true }));
    if (moveOn) { focusNext(p); }
  }

  function search(p) {
    if (window.htmx) { window.htmx.trigger(p.text, "sf-search"); }
  }

  // Rows added from a <template> after the page loaded are not known to htmx yet.
  document.addEventListener("focusin", function (event) {
    var p = parts(event.target);
    if (p && event.target === p.text && !p.text.hasAttribute("data-picker-ready") && window.htmx) {
      p.text.setAttribute("data-picker-ready", "1");
      window.htmx.process(p.root);
    }
  });

  document.addEventListener("input", function (event) {
    var p = parts(event.target);
    if (!p || event.target !== p.text) { return; }
    if (p.text.value !== p.text.getAttribute("data-chosen")) { p.value.value = ""; }
    if (!p.text.value.trim()) { p.menu.innerHTML = ""; close(p); }
  });

  document.addEventListener("keydown", function (event) {
    var p = parts(event.target);
    if (!p || event.target !== p.text) { return; }
    var opts = options(p);
    var index = active(p);
    switch (event.key) {
      case "ArrowDown":
        event.preventDefault();
        if (!isOpen(p)) { if (opts.length) { open(p); highlight(p, Math.max(index, 0)); } else { search(p); } return; }
        highlight(p, Math.min(index + 1, opts.length - 1));
        return;
      case "ArrowUp":
        event.preventDefault();
        if (isOpen(p)) { highlight(p, Math.max(index - 1, 0)); }
        return;
      case "Enter":
        if (isOpen(p) && opts.length) {
          event.preventDefault();
          choose(p, opts[Math.max(index, 0)], true);
        } else if (p.text.value.trim() && !p.value.value) {
          // A scanner types the code and presses Enter before the options have arrived.
          event.preventDefault();
          p.text.setAttribute("data-pending-enter", "1");
          search(p);
        } else if (p.value.value) {
          event.preventDefault();  // chosen already: go on to the next field, do not submit
          focusNext(p);
        }
        return;
      case "Tab":
        if (isOpen(p) && index >= 0) { choose(p, opts[index], false); }
        close(p);
        return;
      case "Escape":
        if (isOpen(p)) {
          event.preventDefault();
          close(p);
          if (p.value.value) { p.text.value = p.text.getAttribute("data-chosen") || p.text.value; }
        }
        return;
    }
  });

  document.addEventListener("mousedown", function (event) {
    var option = event.target.closest && event.target.closest(".sf-picker-option");
    var p = parts(option);
    if (p) { event.preventDefault(); choose(p, option, true); }
  });

  document.addEventListener("focusout", function (event) {
    var p = parts(event.target);
    if (p && event.target === p.text) {
      window.setTimeout(function () { if (document.activeElement !== p.text) { close(p); } }, 150);
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var menu = event.detail && event.detail.target;
    if (!menu || !menu.classList || !menu.classList.contains("sf-picker-menu")) { return; }
    var p = parts(menu);
    options(p).forEach(function (o, k) { o.id = menu.id + "-" + k; });
    if (p.text.getAttribute("data-pending-enter")) {
      p.text.removeAttribute("data-pending-enter");
      var first = options(p)[0];
      if (first && first.hasAttribute("data-exact")) { choose(p, first, true); return; }
    }
    if (document.activeElement === p.text && p.text.value.trim()) {
      open(p);
      if (options(p).length) { highlight(p, 0); }
    } else {
      close(p);
    }
  });

  function reposition() {
    document.querySelectorAll(".sf-picker-menu.show").forEach(function (menu) { place(parts(menu)); });
  }
  window.addEventListener("resize", reposition);
  window.addEventListener("scroll", reposition, true);
})();
