/* Boostloop dashboard: render Plotly figures built on the server (data-figure JSON), auto-submit the
   period and workspace selectors, re-render after htmx swaps. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var config = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["sendDataToCloud", "lasso2d", "select2d"] };
  function render(root) {
    if (!window.Plotly) { return; }
    (root || document).querySelectorAll(".chart[data-figure]").forEach(function (el) {
      if (el.dataset.rendered) { return; }
      var fig = JSON.parse(el.getAttribute("data-figure"));
      el.innerHTML = "";
      var spark = el.classList.contains("spark");
      var cfg = spark ? { displayModeBar: false, staticPlot: true, responsive: true } : config;
      window.Plotly.newPlot(el, fig.data, fig.layout || {}, cfg);
      el.dataset.rendered = "1";
    });
  }
  function autosubmit(root) {
    (root || document).querySelectorAll("select[data-autosubmit]").forEach(function (sel) {
      if (sel.dataset.bound) { return; }
      sel.dataset.bound = "1";
      sel.addEventListener("change", function () { sel.form.requestSubmit ? sel.form.requestSubmit() : sel.form.submit(); });
    });
  }
  window.addEventListener("DOMContentLoaded", function () { render(); autosubmit(); });
  document.addEventListener("htmx:afterSettle", function (e) { render(e.target); autosubmit(e.target); });
})();
