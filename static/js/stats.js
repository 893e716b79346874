/* Draws the incident statistics charts from the numbers the page embeds with json_script.
 * No data lives in this file or in inline scripts, so a strict Content-Security-Policy holds.
 * Without JavaScript (or Chart.js) the tables under each chart stay open and say it all. */
(function () {
  "use strict";

  var source = document.getElementById("stats-data");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var Chart = window.Chart;
  var data = JSON.parse(source.textContent);

  var COLOURS = { incidents: "#1f5f99", lost: "#b3261e", recovered: "#2e7d32" };
  var money = new Intl.NumberFormat("en-GB", { style: "currency", currency: "GBP" });
  var moneyShort = new Intl.NumberFormat("en-GB", {
    style: "currency",
    currency: "GBP",
    maximumFractionDigits: 0,
  });
  var reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  Chart.defaults.font.family = window.getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = "#373c44";
  if (reducedMotion) {
    Chart.defaults.animation = false;
  }

  function numbers(list) {
    return list.map(Number);
  }

  function shorten(text, length) {
    return text.length > length ? text.slice(0, length - 1) + "…" : text;
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

  function lossesNote(series) {
    return function (item) {
      var i = item.dataIndex;
      return (
        "Lost " + money.format(Number(series.value_lost[i])) +
        ", recovered " + money.format(Number(series.value_recovered[i]))
      );
    };
  }

  function countChart(name, horizontal, tickLabel) {
    var series = data[name];
    if (!series) {
      return;
    }
    var height = horizontal ? Math.max(200, 40 + 28 * series.labels.length) : 260;
    var canvas = canvasSized(name, height);
    if (!canvas) {
      return;
    }
    var labelAxis = horizontal ? "y" : "x";
    var valueAxis = horizontal ? "x" : "y";
    var scales = {};
    scales[valueAxis] = { beginAtZero: true, ticks: { precision: 0 } };
    scales[labelAxis] = {
      grid: { display: false },
      ticks: {
        autoSkip: !horizontal,
        maxRotation: 0,
        callback: function (value) {
          var label = this.getLabelForValue(value);
          return tickLabel ? tickLabel(label) : shorten(label, horizontal ? 28 : 12);
        },
      },
    };
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: series.labels,
        datasets: [
          {
            label: "Incidents",
            data: series.incidents,
            backgroundColor: COLOURS.incidents,
            maxBarThickness: 28,
          },
        ],
      },
      options: {
        indexAxis: labelAxis,
        maintainAspectRatio: false,
        scales: scales,
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { afterLabel: lossesNote(series) } },
        },
      },
    });
  }

  function lossesChart(name) {
    var series = data[name];
    var canvas = series && canvasSized(name, 300);
    if (!canvas) {
      return;
    }
    new Chart(canvas, {
      type: "line",
      data: {
        labels: series.labels,
        datasets: [
          {
            label: "Value lost",
            data: numbers(series.value_lost),
            borderColor: COLOURS.lost,
            backgroundColor: COLOURS.lost,
          },
          {
            label: "Value recovered",
            data: numbers(series.value_recovered),
            borderColor: COLOURS.recovered,
            backgroundColor: COLOURS.recovered,
          },
        ],
      },
      options: {
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          y: {
            beginAtZero: true,
            ticks: {
              callback: function (value) {
                return moneyShort.format(value);
              },
            },
          },
          x: { grid: { display: false }, ticks: { maxRotation: 0 } },
        },
        plugins: {
          tooltip: {
            callbacks: {
              label: function (item) {
                return item.dataset.label + ": " + money.format(item.parsed.y);
              },
              afterBody: function (items) {
                var count = series.incidents[items[0].dataIndex];
                return count + " incident" + (count === 1 ? "" : "s");
              },
            },
          },
        },
      },
    });
  }

  lossesChart("month");
  countChart("category", true);
  countChart("premises", true);
  countChart("hour", false);
  countChart("weekday", false, function (day) {
    return day.slice(0, 3);
  });

  // The charts are drawn: fold the tables away (still one click, and read by screen readers).
  document.querySelectorAll("details[data-stats-table]").forEach(function (details) {
    details.open = false;
  });
})();
