/* The value report's charts, drawn with Apache ECharts (static/js/vendor/echarts-6.1.0.min.js) from the
   JSON the page carries in <script id="report-data" type="application/json">. Every label comes
   translated in that JSON. Each chart follows its container's width (phones included). */
(function () {
  "use strict";

  function draw() {
    var source = document.getElementById("report-data");
    if (!source || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    var L = data.labels;
    var charts = [];
    function chart(id, option) {
      var el = document.getElementById(id);
      if (!el) return;
      var c = echarts.init(el, null, {renderer: "canvas"});
      c.setOption(Object.assign({animation: false, textStyle: {fontFamily: "inherit"}}, option));
      charts.push(c);
    }
    var grid = {left: 8, right: 16, top: 40, bottom: 8, containLabel: true};

    chart("chart-top", {
      tooltip: {trigger: "axis"},
      legend: {data: [L.linear, L.fair], top: 0},
      grid: grid,
      xAxis: {type: "value"},
      yAxis: {type: "category", inverse: true, data: data.top.names,
              axisLabel: {width: 110, overflow: "truncate"}},
      series: [
        {name: L.linear, type: "bar", data: data.top.linear},
        {name: L.fair, type: "bar", data: data.top.fair}
      ]
    });

    chart("chart-roles", {
      tooltip: {trigger: "axis"},
      grid: grid,
      xAxis: {type: "value"},
      yAxis: {type: "category", inverse: true, data: data.roles.names,
              axisLabel: {width: 110, overflow: "truncate"}},
      series: [{name: L.roles, type: "bar", data: data.roles.values, colorBy: "data"}]
    });

    chart("chart-trend", {
      tooltip: {trigger: "axis"},
      legend: {type: "scroll", top: 0},
      grid: grid,
      xAxis: {type: "category", data: data.trend.months},
      yAxis: {type: "value"},
      series: data.trend.series.map(function (s) {
        return {name: s.name, type: "line", data: s.data, showSymbol: data.trend.months.length < 13};
      })
    });

    chart("chart-lorenz", {
      title: {text: L.gini + " " + Number(data.lorenz.gini).toFixed(3) + " · " + L.hhi + " " +
                    Math.round(Number(data.lorenz.hhi) * 10000), left: "center", top: 0,
              textStyle: {fontSize: 13, fontWeight: "normal"}},
      tooltip: {trigger: "axis"},
      legend: {top: 22, data: [L.lorenz_curve, L.equality]},
      grid: {left: 8, right: 16, top: 56, bottom: 24, containLabel: true},
      xAxis: {type: "value", min: 0, max: 1, name: L.partners_axis, nameLocation: "middle", nameGap: 22},
      yAxis: {type: "value", min: 0, max: 1},
      series: [
        {name: L.lorenz_curve, type: "line", data: data.lorenz.points, showSymbol: false, areaStyle: {opacity: 0.15}},
        {name: L.equality, type: "line", data: [[0, 0], [1, 1]], showSymbol: false, lineStyle: {type: "dashed"}}
      ]
    });

    var links = data.network.links;
    var most = links.reduce(function (m, l) { return Math.max(m, l.value); }, 0) || 1;
    var biggest = data.network.nodes.reduce(function (m, n) { return Math.max(m, n.value); }, 0) || 1;
    chart("chart-network", {
      tooltip: {},
      legend: {type: "scroll", top: 0, data: data.network.categories.map(function (c) { return c.name; })},
      series: [{
        name: L.network, type: "graph", layout: "force", roam: true, top: 40,
        categories: data.network.categories,
        force: {repulsion: 260, edgeLength: [60, 150], gravity: 0.08},
        label: {show: data.network.nodes.length <= 20, position: "right"},
        data: data.network.nodes.map(function (n) {
          return Object.assign({}, n, {symbolSize: 8 + 20 * Math.sqrt(n.value / biggest)});
        }),
        links: links.map(function (l) {
          return Object.assign({}, l, {lineStyle: {width: 1 + 7 * l.value / most, opacity: 0.6}});
        })
      }]
    });

    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
