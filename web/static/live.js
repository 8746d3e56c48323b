// Live pages. A page the server marks live (<main data-live="STREAM"
// data-key="KEY">) listens to its server-sent event stream (events.go):
// a job's "progress" events move the bars, the state and the elapsed time
// at once; when an event says the page is out of date (a job version or a
// list key other than the page's), the page fetches itself again, at most
// once a second, and swaps in what changed (the counters, the timeline,
// the tables, "Finished"), keeping what the user is doing (a filter form
// being typed in, an open <details>, the scroll position). Without
// EventSource, or when the stream is refused, the page fetches itself
// every few seconds instead; without script, it reloads (a <noscript>
// refresh on running jobs' pages).
(function () {
  "use strict";
  var main = document.querySelector("main[data-live]");
  if (!main || !window.fetch || !window.DOMParser) return;
  var key = main.getAttribute("data-key") || "";
  var minGap = 1000, fallbackEvery = 5000;
  var pending = false, inflight = false, last = 0, timer = null, stopped = false;
  var es = null, poller = null, ticker = null;

  function byId(id) { return document.getElementById(id); }
  function text(id, v) { var e = byId(id); if (e && e.textContent !== v) e.textContent = v; }
  function bar(id, v) { var e = byId(id); if (e) { e.value = v; e.textContent = v + "%"; } }

  // fmtDuration as the server prints durations (format.go).
  function fmtDuration(ms) {
    if (ms < 0) return "0s";
    if (ms < 1000) return Math.floor(ms) + "ms";
    var s = ms / 1000;
    if (s < 60) return (Math.floor(s * 10) / 10).toFixed(1) + "s";
    if (s < 3600) return Math.floor(s / 60) + "m" + pad(Math.floor(s) % 60) + "s";
    return Math.floor(s / 3600) + "h" + pad(Math.floor(s / 60) % 60) + "m";
  }
  function pad(n) { return n < 10 ? "0" + n : String(n); }

  // morph makes a like b, touching only what differs.
  function morph(a, b) {
    var i, n;
    for (i = 0; i < b.attributes.length; i++) {
      n = b.attributes[i];
      if (n.name !== "open" && a.getAttribute(n.name) !== n.value) a.setAttribute(n.name, n.value);
    }
    for (i = a.attributes.length - 1; i >= 0; i--) {
      n = a.attributes[i].name;
      if (n !== "open" && !b.hasAttribute(n)) a.removeAttribute(n);
    }
    if (a.nodeName === "FORM") return; // the user's filters: the server echoes the same
    var ac = a.childNodes, bc = b.childNodes;
    if (ac.length !== bc.length) {
      var fresh = [];
      for (i = 0; i < bc.length; i++) fresh.push(document.importNode(bc[i], true));
      a.replaceChildren.apply(a, fresh);
      return;
    }
    for (i = 0; i < bc.length; i++) {
      var x = ac[i], y = bc[i];
      if (x.nodeType !== y.nodeType || x.nodeName !== y.nodeName) {
        a.replaceChild(document.importNode(y, true), x);
      } else if (x.nodeType !== 1) {
        if (x.nodeValue !== y.nodeValue) x.nodeValue = y.nodeValue;
      } else if (!x.isEqualNode(y)) {
        morph(x, y);
      }
    }
  }

  function stop() {
    stopped = true;
    if (es) es.close();
    if (poller) clearInterval(poller);
    if (ticker) clearInterval(ticker);
  }

  // refetch asks for the page again (at most one request at a time, one
  // a second).
  function refetch() { pending = true; schedule(); }
  function schedule() {
    if (inflight || timer || !pending || stopped) return;
    var wait = last + minGap - Date.now();
    if (wait > 0) { timer = setTimeout(function () { timer = null; schedule(); }, wait); return; }
    pending = false; inflight = true; last = Date.now();
    fetch(location.href, { credentials: "same-origin", headers: { "Accept": "text/html" }, cache: "no-store" })
      .then(function (r) {
        // A redirect is the login page (the session ended); a 4xx, a job
        // gone or no longer ours: stop. A 5xx may pass: try again later.
        if (r.redirected || (r.status >= 400 && r.status < 500)) { stop(); return ""; }
        return r.ok ? r.text() : "";
      })
      .then(function (html) {
        if (!html) return;
        var nm = new DOMParser().parseFromString(html, "text/html").querySelector("main");
        if (!nm) return;
        morph(main, nm);
        key = main.getAttribute("data-key") || "";
        if (!main.hasAttribute("data-live")) stop(); // the job has ended: this is its final page
      })
      .catch(function () { /* offline for a moment: the next event or poll tries again */ })
      .then(function () { inflight = false; schedule(); });
  }

  function progress(p) {
    bar("map-progress", p.map_pct);
    bar("reduce-progress", p.reduce_pct);
    text("map-text", p.maps_done + " / " + p.maps + " (" + p.map_pct + "%)");
    text("reduce-text", p.reduces_done + " / " + p.reduces + " (" + p.reduce_pct + "%)");
    text("elapsed", p.elapsed);
    var s = byId("job-state");
    if (s && s.textContent !== p.state) { s.textContent = p.state; s.className = "state " + p.state; }
    if (ticker) { clearInterval(ticker); ticker = null; }
    if (!p.done) {
      var skew = p.now_ms - Date.now();
      ticker = setInterval(function () { text("elapsed", fmtDuration(Date.now() + skew - p.submitted_ms)); }, 1000);
    } else {
      var k = byId("kill-link"); if (k) k.hidden = true;
    }
    if (String(p.version) !== key) refetch();
  }

  function fallback() {
    if (poller || stopped) return;
    poller = setInterval(refetch, fallbackEvery);
  }

  if (!window.EventSource) { fallback(); return; }
  es = new EventSource(main.getAttribute("data-live"));
  es.addEventListener("progress", function (ev) { progress(JSON.parse(ev.data)); });
  es.addEventListener("jobs", function (ev) {
    if (JSON.parse(ev.data).key !== key) refetch();
  });
  es.addEventListener("end", function () { es.close(); es = null; refetch(); });
  es.addEventListener("error", function () {
    // EventSource reconnects by itself after a dropped connection; a
    // refused one (an error status) stays closed: fetch the page instead.
    if (es && es.readyState === EventSource.CLOSED) fallback();
  });
  window.zebraLive = { refetch: refetch, stop: stop };
})();
