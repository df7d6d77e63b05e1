// Draws the charts page from the JSON the server embedded (no data is fetched from elsewhere).
(function () {
  "use strict";
  var el = document.getElementById("chart-data");
  if (!el || typeof Plotly === "undefined") return;
  var d = JSON.parse(el.textContent);
  var font = { family: "PingFang SC, Microsoft YaHei, Noto Sans CJK SC, sans-serif" };
  var base = { margin: { t: 20, r: 10, b: 80, l: 50 }, font: font, legend: { orientation: "h" } };
  var cfg = { responsive: true, displaylogo: false, locale: "zh-CN" };
  function layout(extra) { return Object.assign({}, base, extra || {}); }
  function names(list) { return list.map(function (u) { return u.name; }); }
  function scores(list) { return list.map(function (u) { return u.score; }); }

  Plotly.newPlot("chart-top", [{ type: "bar", x: names(d.top), y: scores(d.top), marker: { color: "#d93025" }, name: "得分" }],
    layout({ yaxis: { title: { text: "得分" }, range: [0, 100] } }), cfg);
  Plotly.newPlot("chart-bottom", [{ type: "bar", x: names(d.bottom), y: scores(d.bottom), marker: { color: "#30363d" }, name: "得分" }],
    layout({ yaxis: { title: { text: "得分" }, range: [0, 100] } }), cfg);
  Plotly.newPlot("chart-units", [
    { type: "bar", x: d.units.names, y: d.units.reply_on_time, name: "按时答复率 %" },
    { type: "bar", x: d.units.names, y: d.units.satisfaction, name: "满意率 %" },
    { type: "bar", x: d.units.names, y: d.units.volume, name: "受理量", yaxis: "y2" }
  ], layout({ barmode: "group", yaxis: { title: { text: "%" }, range: [0, 100] },
              yaxis2: { title: { text: "件" }, overlaying: "y", side: "right" } }), cfg);
  Plotly.newPlot("chart-trend", [
    { type: "scatter", mode: "lines+markers", x: d.trend.months, y: d.trend.on_time_reply, name: "按时答复率 %" },
    { type: "scatter", mode: "lines+markers", x: d.trend.months, y: d.trend.satisfaction, name: "满意率 %" },
    { type: "bar", x: d.trend.months, y: d.trend.volume, name: "受理量", yaxis: "y2", opacity: 0.35 }
  ], layout({ yaxis: { title: { text: "%" }, range: [0, 100] },
              yaxis2: { title: { text: "件" }, overlaying: "y", side: "right" } }), cfg);
  function lights(id, data) {
    Plotly.newPlot(id, [
      { type: "bar", x: data.keys, y: data.red, name: "红灯", marker: { color: "#d93025" } },
      { type: "bar", x: data.keys, y: data.yellow, name: "黄灯", marker: { color: "#f2b400" } }
    ], layout({ barmode: "stack", yaxis: { title: { text: "工单数" } } }), cfg);
  }
  lights("chart-lights-unit", d.lights_by_unit);
  lights("chart-lights-area", d.lights_by_area);
  document.body.dataset.chartsReady = "1";
})();
