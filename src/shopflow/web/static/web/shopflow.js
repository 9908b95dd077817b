/* shopflow page behaviour: small, and every page still works without it. */
(function () {
  "use strict";

  // Filter selects apply at once (through htmx when it is loaded, else a plain GET).
  function autosubmit(root) {
    root.querySelectorAll("[data-autosubmit]").forEach(function (el) {
      el.addEventListener("change", function () { el.form.requestSubmit(); });
    });
  }

  // "Select all" checkbox of a list.
  document.addEventListener("change", function (event) {
    var all = event.target.closest("[data-select-all]");
    if (all) {
      var name = all.getAttribute("data-select-all");
      all.closest("form").querySelectorAll('input[name="' + name + '"]').forEach(function (box) {
        box.checked = all.checked;
      });
    }
    var del = event.target.closest(".sf-line-delete");
    if (del) { del.closest("tr").classList.toggle("sf-row-deleted", del.checked); }
  });

  // Lines table: add a row from the <template> instead of a round trip to the server.
  function nextIndex(tbody) {
    var max = -1;
    tbody.querySelectorAll("[name^='lines-']").forEach(function (el) {
      var m = /^lines-(\d+)-/.exec(el.name);
      if (m) { max = Math.max(max, parseInt(m[1], 10)); }
    });
    return max + 1;
  }

  function renumber(tbody) {
    var n = 0;
    tbody.querySelectorAll("tr[data-line-row] .sf-line-no").forEach(function (cell) { cell.textContent = ++n; });
  }

  function addLine(event) {
    var tbody = document.getElementById("sf-line-rows");
    var tpl = document.getElementById("sf-line-template");
    if (!tbody || !tpl) { return; }
    event.preventDefault();
    var html = tpl.innerHTML.replace(/__prefix__/g, String(nextIndex(tbody)));
    tbody.insertAdjacentHTML("beforeend", html);
    renumber(tbody);
    var first = tbody.lastElementChild.querySelector("select, input:not([type=hidden])");
    if (first) { first.focus(); }
  }

  // Dashboard charts: data comes from a json_script element named by data-chart.
  function charts() {
    if (!window.echarts) { return; }
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var data = JSON.parse(document.getElementById(el.getAttribute("data-chart")).textContent);
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption({
        color: ["#2563eb", "#0ea5e9", "#16a34a", "#f59e0b", "#a855f7", "#ef4444"],
        tooltip: { trigger: "axis" },
        legend: { bottom: 0, icon: "roundRect", itemWidth: 10, itemHeight: 10 },
        grid: { left: 32, right: 8, top: 12, bottom: 40 },
        xAxis: { type: "category", data: data.days, axisTick: { show: false } },
        yAxis: { type: "value", minInterval: 1, splitLine: { lineStyle: { type: "dashed" } } },
        series: data.series.map(function (s) { return { name: s.name, type: "bar", stack: "docs", data: s.data, barMaxWidth: 22 }; })
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    autosubmit(document);
    var add = document.getElementById("sf-add-line");
    if (add) { add.addEventListener("click", addLine); }
    charts();
  });
  document.addEventListener("htmx:afterSwap", function (event) { autosubmit(event.target); });
})();
