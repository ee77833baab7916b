/* The portal's "Our value" chart: the partner's own value month by month, drawn with Apache ECharts
   (static/js/vendor/echarts-6.1.0.min.js) from <script id="partner-value-data" type="application/json">,
   whose labels come translated. The table under the chart gives the same figures. */
(function () {
  "use strict";

  function draw() {
    var source = document.getElementById("partner-value-data");
    var el = document.getElementById("chart-partner-trend");
    if (!source || !el || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    var chart = echarts.init(el, null, {renderer: "canvas"});
    chart.setOption({
      animation: false,
      textStyle: {fontFamily: "inherit"},
      tooltip: {trigger: "axis"},
      legend: {data: [data.labels.value], top: 0},
      grid: {left: 8, right: 16, top: 40, bottom: 8, containLabel: true},
      xAxis: {type: "category", data: data.months},
      yAxis: {type: "value"},
      series: [{name: data.labels.value, type: "bar", data: data.values}]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
