// Draws every <canvas data-src=...> with Chart.js from the JSON the API serves.
// data-src: API URL; data-rows: dotted path to the list in the JSON (optional);
// data-label: field for the x axis; data-series: "field:Title|field:Title".
(function () {
  "use strict";
  function pick(obj, path) {
    return (path || "").split(".").filter(Boolean).reduce(function (o, k) { return o[k]; }, obj);
  }
  var colours = ["#1d70b8", "#00703c", "#d4351c", "#6f72af", "#f47738"];
  document.querySelectorAll("canvas[data-src]").forEach(function (canvas) {
    fetch(canvas.dataset.src, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (json) {
        var rows = canvas.dataset.rows ? pick(json, canvas.dataset.rows) : json;
        var label = canvas.dataset.label;
        var series = canvas.dataset.series.split("|").map(function (s, i) {
          var parts = s.split(":");
          return {
            label: parts[1] || parts[0],
            data: rows.map(function (r) { return pick(r, parts[0]); }),
            backgroundColor: colours[i % colours.length]
          };
        });
        new Chart(canvas, {
          type: canvas.dataset.kind || "bar",
          data: { labels: rows.map(function (r) { return r[label]; }), datasets: series },
          options: { responsive: true, maintainAspectRatio: false, animation: false,
                     plugins: { legend: { position: "bottom" } } }
        });
        canvas.setAttribute("data-drawn", String(rows.length));
      })
      .catch(function (e) { canvas.setAttribute("data-error", String(e)); });
  });
})();
