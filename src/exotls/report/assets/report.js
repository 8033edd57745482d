/* Sortable server table. Each header button sorts by its column's data-sort values;
   a fragment such as #sort=name-desc presses the same buttons on load, so links and the
   browser check exercise the real click path. */
(function () {
  "use strict";
  var table = document.getElementById("server-table");
  if (!table || !table.tHead || !table.tBodies.length) { return; }
  var body = table.tBodies[0];
  var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
  var rows = Array.prototype.slice.call(body.rows);
  var status = document.getElementById("sort-status");
  rows.forEach(function (row, i) { row.setAttribute("data-index", String(i)); });

  function sortBy(col, dir) {
    var sign = dir === "desc" ? -1 : 1;
    var sorted = rows.slice().sort(function (a, b) {
      var x = a.cells[col].getAttribute("data-sort") || "";
      var y = b.cells[col].getAttribute("data-sort") || "";
      var c = x.localeCompare(y, "en", { numeric: true, sensitivity: "base" }) * sign;
      return c !== 0 ? c : Number(a.getAttribute("data-index")) - Number(b.getAttribute("data-index"));
    });
    sorted.forEach(function (row) { body.appendChild(row); });
    heads.forEach(function (th, i) {
      th.setAttribute("aria-sort", i === col ? (dir === "desc" ? "descending" : "ascending") : "none");
    });
    table.setAttribute("data-sort-key", heads[col].getAttribute("data-key") || "");
    table.setAttribute("data-sort-dir", dir);
    if (status) {
      status.textContent = "Sorted by " + heads[col].textContent.trim() + ", " +
        (dir === "desc" ? "descending" : "ascending") + ".";
    }
  }

  heads.forEach(function (th, i) {
    var button = th.querySelector("button");
    if (!button) { return; }
    button.addEventListener("click", function () {
      sortBy(i, th.getAttribute("aria-sort") === "ascending" ? "desc" : "asc");
    });
  });

  function applyFragment() {
    var m = /^#sort=([a-z0-9]+)-(asc|desc)$/.exec(window.location.hash);
    if (!m) { return; }
    var want = m[2] === "desc" ? "descending" : "ascending";
    heads.forEach(function (th) {
      var button = th.querySelector("button");
      if (!button || th.getAttribute("data-key") !== m[1]) { return; }
      for (var n = 0; n < 2 && th.getAttribute("aria-sort") !== want; n += 1) { button.click(); }
    });
  }

  window.addEventListener("hashchange", applyFragment);
  applyFragment();
}());
