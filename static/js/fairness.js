/* Draws the fairness report's charts from the numbers the page embeds with json_script: each
 * breakdown's shares side by side, and the counts by quarter. A suppressed cell arrives as null
 * and is left as a gap. Without JavaScript the tables under each chart say it all. */
(function () {
  "use strict";

  var source = document.getElementById("fairness-data");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var Chart = window.Chart;
  var data = JSON.parse(source.textContent);

  var COLOURS = ["#1f5f99", "#b3261e", "#8a5a00", "#2e7d32"];
  var reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  Chart.defaults.font.family = window.getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = "#373c44";
  if (reducedMotion) {
    Chart.defaults.animation = false;
  }

  // The chart fills its column's width; its height is fixed here (CSSOM, not a style attribute).
  function canvasSized(name, height) {
    var canvas = document.getElementById("chart-" + name);
    if (!canvas) {
      return null;
    }
    canvas.parentElement.style.position = "relative";
    canvas.parentElement.style.height = height + "px";
    canvas.parentElement.style.marginBottom = "0.75rem";
    return canvas;
  }

  function shorten(text, length) {
    return text.length > length ? text.slice(0, length - 1) + "…" : text;
  }

  function datasets(series) {
    return series.map(function (one, i) {
      return {
        label: one.label,
        data: one.values,
        backgroundColor: COLOURS[i % COLOURS.length],
        borderColor: COLOURS[i % COLOURS.length],
        maxBarThickness: 14,
      };
    });
  }

  // Horizontal bars: group names stay readable on a 360 px screen.
  function sharesChart(name) {
    var chart = data[name];
    var height = Math.max(220, 60 + 22 * chart.series.length * chart.labels.length);
    var canvas = canvasSized(name, height);
    if (!canvas) {
      return;
    }
    new Chart(canvas, {
      type: "bar",
      data: { labels: chart.labels, datasets: datasets(chart.series) },
      options: {
        indexAxis: "y",
        maintainAspectRatio: false,
        scales: {
          x: {
            beginAtZero: true,
            suggestedMax: 100,
            ticks: {
              callback: function (value) {
                return value + "%";
              },
            },
          },
          y: {
            grid: { display: false },
            ticks: {
              callback: function (value) {
                return shorten(this.getLabelForValue(value), 18);
              },
            },
          },
        },
        plugins: {
          tooltip: {
            callbacks: {
              label: function (item) {
                return item.dataset.label + ": " + item.raw + "%";
              },
            },
          },
        },
      },
    });
  }

  function quarterChart() {
    var chart = data.quarter;
    var canvas = chart && canvasSized("quarter", 300);
    if (!canvas) {
      return;
    }
    new Chart(canvas, {
      type: "bar",
      data: { labels: chart.labels, datasets: datasets(chart.series) },
      options: {
        maintainAspectRatio: false,
        scales: {
          y: { beginAtZero: true, ticks: { precision: 0 } },
          x: { grid: { display: false }, ticks: { maxRotation: 0 } },
        },
      },
    });
  }

  Object.keys(data).forEach(function (name) {
    if (name !== "quarter") {
      sharesChart(name);
    }
  });
  quarterChart();

  document.querySelectorAll("details[data-stats-table]").forEach(function (details) {
    details.open = false;
  });
})();
