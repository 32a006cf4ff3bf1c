"""The page's inline stylesheet and its one small script (sortable tables). System fonts only."""

CSS = """
:root{--ink:#1f2933;--muted:#6b7785;--line:#dde3ea;--soft:#f4f6f9;--card:#fff;--brand:#16324f;--blue:#2f6690;
--good:#2e7d4f;--good-bg:#e5f3ea;--bad:#b3261e;--bad-bg:#fbeae8;--none:#5b6672;--none-bg:#eef1f4;--warn:#8a5a00;--warn-bg:#fdf3dc}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--soft);color:var(--ink);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans","Liberation Sans",sans-serif}
.num,.tile-value,td.num,th.num{font-variant-numeric:tabular-nums}
header.top{background:var(--brand);color:#fff;padding:18px 32px 14px}
header.top .brand{font-size:12px;letter-spacing:.08em;text-transform:uppercase;opacity:.75}
header.top h1{margin:2px 0 12px;font-size:22px;font-weight:600}
.context{display:flex;flex-wrap:wrap;gap:8px 28px;margin:0}
.context div{min-width:0}
.context dt{font-size:11px;text-transform:uppercase;letter-spacing:.06em;opacity:.7}
.context dd{margin:1px 0 0;font-size:14px;font-weight:600;overflow-wrap:anywhere}
nav.sections{position:sticky;top:0;z-index:2;background:#fff;border-bottom:1px solid var(--line);padding:0 32px;display:flex;gap:22px;overflow-x:auto}
nav.sections a{color:var(--muted);text-decoration:none;font-size:13px;font-weight:600;padding:10px 0;border-bottom:2px solid transparent;white-space:nowrap}
nav.sections a:hover{color:var(--brand);border-bottom-color:var(--brand)}
main{max-width:1480px;margin:0 auto;padding:8px 32px 40px}
section.block{margin-top:26px}
section.block>h2{font-size:17px;margin:0 0 2px;font-weight:650}
p.lead{margin:0 0 12px;color:var(--muted);font-size:13px}
h3{font-size:14px;margin:0 0 8px;font-weight:650}
h4{font-size:12px;margin:18px 0 8px;color:var(--muted);text-transform:uppercase;letter-spacing:.06em}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:14px 16px;box-shadow:0 1px 2px rgba(16,32,48,.04)}
.grid{display:grid;gap:14px}
.tiles{grid-template-columns:repeat(auto-fill,minmax(200px,1fr))}
.resources{grid-template-columns:repeat(auto-fill,minmax(300px,1fr))}
.cards{grid-template-columns:repeat(auto-fill,minmax(340px,1fr))}
.cards-wide{grid-template-columns:repeat(auto-fill,minmax(520px,1fr))}
.tile{border-top:3px solid var(--none);display:flex;flex-direction:column;gap:4px;padding:12px 14px}
.tile svg.spark{margin-top:auto}
.tile.good{border-top-color:var(--good)}.tile.bad{border-top-color:var(--bad)}
.tile.not-computed .tile-value{font-size:18px;color:var(--muted)}
.tile-reason{white-space:normal}
.tile-label{font-size:12.5px;color:var(--muted);font-weight:600;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.tile-value{font-size:26px;font-weight:650;line-height:1.15;white-space:nowrap}
.tile-meta{display:flex;flex-direction:column;align-items:flex-start;gap:3px;font-size:12px;color:var(--muted)}
.tile-foot{display:flex;justify-content:space-between;gap:6px;font-size:11.5px;color:var(--muted);white-space:nowrap}
.delta.good{color:var(--good)}.delta.bad{color:var(--bad)}
svg.spark{width:100%;height:40px;display:block;margin-top:2px}
svg.chart{width:100%;height:auto;display:block}
.pill{display:inline-block;padding:1px 8px;border-radius:999px;font-size:11.5px;font-weight:600;white-space:nowrap;background:var(--none-bg);color:var(--none)}
.pill.good{background:var(--good-bg);color:var(--good)}.pill.bad{background:var(--bad-bg);color:var(--bad)}
.pill.warn{background:var(--warn-bg);color:var(--warn)}.pill.info{background:#e4eef7;color:var(--blue)}
.dot{display:inline-block;width:8px;height:8px;border-radius:50%;background:#b7c0ca;margin-right:6px;vertical-align:middle}
.dot.good{background:var(--good)}.dot.bad{background:var(--bad)}
table.data{width:100%;border-collapse:collapse;font-size:13px}
table.data th{font-size:11px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);font-weight:650;text-align:left;padding:6px 8px;border-bottom:1px solid #c9d2dc;white-space:nowrap}
table.data td{padding:5px 8px;border-bottom:1px solid #edf0f3;vertical-align:top}
table.data tbody tr:hover td{background:#f7f9fb}
table.data .num{text-align:right;white-space:nowrap}
table.data tr.group td{background:var(--soft);font-weight:650;font-size:11.5px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em;padding-top:7px}
table.data td.best{background:var(--good-bg);color:var(--good);font-weight:650}
table.data td.sub{padding-left:22px;color:#4a5561}
table.data tr.total td{font-weight:650;border-top:1px solid #c9d2dc}
table.sortable th{cursor:pointer;user-select:none}
table.sortable th[aria-sort=ascending]::after{content:" \\25B2";font-size:9px}
table.sortable th[aria-sort=descending]::after{content:" \\25BC";font-size:9px}
td.detail{color:#3d4852;min-width:260px}
td code{white-space:nowrap}
.scroll{overflow-x:auto}
.bar{position:relative;height:8px;background:#edf0f3;border-radius:4px;min-width:70px}
.bar span{position:absolute;top:0;bottom:0;border-radius:4px;background:var(--blue)}
.bar.diverging::before{content:"";position:absolute;left:50%;top:-2px;bottom:-2px;border-left:1px solid #9aa5b1}
.bar span.over{background:#c9a227}.bar span.under{background:#3a7ca5}
.legend{display:flex;flex-wrap:wrap;gap:4px 16px;font-size:12px;color:var(--muted);margin:0 0 10px}
.legend i{display:inline-block;width:12px;height:10px;margin-right:5px;vertical-align:-1px;border-radius:2px}
.legend i.line{height:2px;vertical-align:3px}
.resource-head{display:flex;justify-content:space-between;align-items:baseline;gap:8px}
.resource-head h3{margin:0}
.resource-head.sub{font-size:12px;color:var(--muted);margin:2px 0 6px}
.heat td.cell{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
.heat td.c0{background:#f1f7f3;color:#7d8b97}.heat td.c1,.heat td.c2,.heat td.c3{font-weight:650}.heat td.c1{background:#fdf3dc}.heat td.c2{background:#f9dcd6}.heat td.c3{background:#f0b8ae}
.chips{display:flex;flex-wrap:wrap;gap:10px;margin-bottom:12px}
.chip{background:#fff;border:1px solid var(--line);border-radius:8px;padding:8px 14px;min-width:150px}
.chip b{display:block;font-size:20px;font-variant-numeric:tabular-nums}
.chip span{font-size:12px;color:var(--muted)}
.chip.zero b{color:#aab3bd}
.empty{border:1px dashed #c5ced8;border-radius:8px;padding:16px;color:var(--muted);background:#fbfcfd;font-size:13px}
.muted{color:var(--muted)}
.small{font-size:12px}
.split{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:14px;align-items:start}
.split.even{grid-template-columns:minmax(0,1fr) minmax(0,1fr)}
footer{color:var(--muted);font-size:12px;text-align:center;padding:24px 0 8px}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:12px}
@media (max-width:900px){.split{grid-template-columns:1fr}main,header.top{padding-left:16px;padding-right:16px}}
@media print{
body{background:#fff;font-size:11px}
nav.sections{display:none}
header.top{background:#fff;color:var(--ink);border-bottom:2px solid var(--ink);padding:0 0 8px}
main{padding:0;max-width:none}
.card{box-shadow:none;break-inside:avoid}
section.block{break-inside:auto}
section.block>h2{break-after:avoid}
.scroll{overflow:visible}
table.sortable th::after{content:""}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
"""

# Click a header of a sortable table: its rows sort by that column (a cell's data-sort, else its
# text; numbers as numbers), again to reverse. Marks the page ready once set up.
SCRIPT = """
(function () {
  "use strict";
  function key(row, index) {
    var cell = row.cells[index];
    if (!cell) { return ""; }
    var raw = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent.trim();
    var number = parseFloat(raw);
    return raw !== "" && isFinite(raw) && !isNaN(number) ? number : raw.toLowerCase();
  }
  function compare(a, b) {
    if (typeof a === typeof b) { return a < b ? -1 : a > b ? 1 : 0; }
    return typeof a === "number" ? -1 : 1;
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    var headers = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(headers, function (th, index) {
      th.setAttribute("tabindex", "0");
      function sort() {
        var descending = th.getAttribute("aria-sort") === "ascending";
        Array.prototype.forEach.call(headers, function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", descending ? "descending" : "ascending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) { var c = compare(key(a, index), key(b, index)); return descending ? -c : c; });
        rows.forEach(function (row) { body.appendChild(row); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (event) { if (event.key === "Enter") { sort(); } });
    });
  });
  document.documentElement.setAttribute("data-ready", "1");
})();
"""
