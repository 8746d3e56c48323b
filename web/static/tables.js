// zebra web UI: sortable tables, no framework. A table.sortable whose
// header cells carry data-key sorts its rows on a click, by the cells'
// data-v values (numbers where both are numbers, else text), when it
// holds every row (data-complete="true"); otherwise the header's link
// asks the server to sort across pages. The sort shows in the URL, so a
// reload or a shared link keeps it.
"use strict";
(function () {
  function value(row, col) {
    const cell = row.cells[col];
    if (!cell) return "";
    return cell.hasAttribute("data-v") ? cell.getAttribute("data-v") : cell.textContent.trim();
  }
  function compare(a, b) {
    const x = Number(a), y = Number(b);
    if (a !== "" && b !== "" && !Number.isNaN(x) && !Number.isNaN(y)) return x - y;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  function sortTable(table, th, desc) {
    const col = Array.prototype.indexOf.call(th.parentNode.cells, th);
    const body = table.tBodies[0];
    const rows = Array.from(body.rows).filter(function (r) { return r.cells.length > 1; });
    rows.forEach(function (r, i) { r.dataset.pos = r.dataset.task || String(i); });
    rows.sort(function (a, b) {
      let d = compare(value(a, col), value(b, col));
      if (desc) d = -d;
      return d || Number(a.dataset.pos) - Number(b.dataset.pos); // stable: the table's order
    });
    rows.forEach(function (r) { body.appendChild(r); });
    table.dataset.sort = th.dataset.key;
    table.dataset.order = desc ? "desc" : "asc";
    mark(table);
  }
  function mark(table) {
    for (const th of table.tHead.rows[0].cells) {
      th.removeAttribute("aria-sort");
      if (th.dataset.key && th.dataset.key === table.dataset.sort) {
        th.setAttribute("aria-sort", table.dataset.order === "desc" ? "descending" : "ascending");
      }
    }
  }
  function init(table) {
    mark(table);
    if (table.dataset.complete !== "true") return; // the links sort on the server
    table.tHead.addEventListener("click", function (ev) {
      const th = ev.target.closest("th[data-key]");
      if (!th || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey) return;
      ev.preventDefault();
      const link = th.querySelector("a");
      const desc = link ? new URL(link.href, location.href).searchParams.get("order") === "desc" : false;
      sortTable(table, th, desc);
      if (link) {
        history.replaceState(null, "", link.href);
        // The next click on this column sorts the other way.
        const u = new URL(link.href, location.href);
        u.searchParams.set("order", desc ? "asc" : "desc");
        link.href = u.pathname + u.search;
      }
    });
  }
  function start() {
    document.querySelectorAll("table.sortable").forEach(init);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
