// Small enhancements only: every page works without this script (forms post, links navigate).
(function () {
  "use strict";

  function span(seconds) {
    var s = Math.abs(seconds);
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    if (d) return d + "天" + h + "小时" + m + "分";
    if (h) return h + "小时" + m + "分";
    return m + "分" + Math.floor(s % 60) + "秒";
  }

  // Countdowns start from the seconds the server computed on its own clock, so a desk PC whose
  // clock is wrong (or the demo's moved clock) cannot show the wrong time left.
  var loaded = Date.now();
  function tick() {
    var elapsed = (Date.now() - loaded) / 1000;
    document.querySelectorAll(".countdown[data-seconds]").forEach(function (el) {
      if (el.dataset.seconds === "") return;
      var left = Number(el.dataset.seconds) - elapsed;
      el.textContent = left >= 0 ? "剩余 " + span(left) : "已超期 " + span(left);
      el.classList.toggle("late", left < 0);
    });
  }
  tick();
  setInterval(tick, 1000);

  // The board refreshes its rows in place: the filters and the scroll position stay put.
  var board = document.getElementById("board");
  if (board && board.dataset.refresh) {
    var every = Math.max(5, Number(board.dataset.refresh)) * 1000;
    var refresh = function () {
      var url = new URL(window.location.href);
      url.searchParams.set("partial", "1");
      fetch(url.toString(), { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (r) {
          if (r.status === 401) { window.location.reload(); return null; }
          return r.ok ? r.text() : null;
        })
        .then(function (html) { if (html !== null && html !== undefined) board.innerHTML = html; })
        .catch(function () { /* keep the last rows; try again next round */ });
    };
    window.hotlineRefreshBoard = refresh;
    setInterval(refresh, every);
  }
})();
