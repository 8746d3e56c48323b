// Live progress of the job page: the server sends "progress" events
// (server-sent events) whenever the job changes; the page updates in
// place. Without script the page refreshes itself instead.
(function () {
  "use strict";
  var root = document.querySelector("[data-stream]");
  if (!root || !window.EventSource) return;
  var state = root.getAttribute("data-state");
  if (state === "SUCCEEDED" || state === "FAILED" || state === "KILLED") return;
  function text(id, v) { var e = document.getElementById(id); if (e) e.textContent = v; }
  function bar(id, v) { var e = document.getElementById(id); if (e) { e.value = v; e.textContent = v + "%"; } }
  var es = new EventSource(root.getAttribute("data-stream"));
  es.addEventListener("progress", function (ev) {
    var p = JSON.parse(ev.data);
    bar("map-progress", p.map_pct);
    bar("reduce-progress", p.reduce_pct);
    text("map-text", p.maps_done + " / " + p.maps + " (" + p.map_pct + "%)");
    text("reduce-text", p.reduces_done + " / " + p.reduces + " (" + p.reduce_pct + "%)");
    text("elapsed", p.elapsed);
    var s = document.getElementById("job-state");
    if (s) { s.textContent = p.state; s.className = "state " + p.state; }
    root.setAttribute("data-state", p.state);
    root.setAttribute("data-version", p.version);
    if (p.done) {
      var n = document.getElementById("ended-note"); if (n) n.hidden = false;
      var k = document.getElementById("kill-link"); if (k) k.hidden = true;
    }
  });
  es.addEventListener("end", function () { es.close(); });
})();
