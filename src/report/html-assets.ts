// The HTML report's stylesheet and its one script, as constants: the Content-Security-Policy
// allows exactly these two by their SHA-256, so no other style or script (say, one smuggled into a
// resource name) can run, and the page makes no request of any kind.
import { createHash } from "node:crypto";

export const CSS = `:root{--fail:#b71c1c;--unk:#e65100;--pass:#1b5e20;--na:#616161;--man:#0d47a1;--ink:#1a1a1a;--mute:#555;--line:#ddd;--soft:#f4f4f4}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);background:#fff}
header,main{max-width:1200px;margin:0 auto;padding:0 24px}
header{padding-top:24px}
h1{font-size:24px;margin:0 0 4px}
h2{font-size:19px;margin:32px 0 8px;border-bottom:2px solid var(--line);padding-bottom:4px}
h3{font-size:16px;margin:0 0 6px}
h4{font-size:14px;margin:12px 0 4px}
p{margin:6px 0}
.sub{color:var(--mute);margin:0 0 12px}
table{border-collapse:collapse;width:100%;margin:6px 0 12px}
th,td{border-bottom:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top}
th{background:var(--soft);font-weight:600}
.num{text-align:right;font-variant-numeric:tabular-nums}
.wrap{overflow-wrap:anywhere;word-break:break-word}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:12px;font-weight:600;white-space:nowrap}
.s-failed,.st-FAIL{background:var(--fail)}
.s-not-verified,.st-UNKNOWN{background:var(--unk)}
.s-passed,.st-PASS{background:var(--pass)}
.s-not-applicable{background:var(--na)}
.s-manual{background:var(--man)}
.badge.waived{background:var(--man)}
.req{border:1px solid var(--line);border-left:6px solid var(--na);border-radius:4px;padding:10px 14px;margin:12px 0}
.req.b-failed{border-left-color:var(--fail)}
.req.b-not-verified{border-left-color:var(--unk)}
.req.b-passed{border-left-color:var(--pass)}
.req.b-manual{border-left-color:var(--man)}
.req.heading{border:0;padding:0;margin:28px 0 4px}
.req h3,.req h4,.req h5,.req h6{margin:0 0 6px;font-size:15px}
.req.heading h3{font-size:18px}.req.heading h4{font-size:16px}
.rid{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;margin-right:6px}
ul.fix{margin:4px 0 8px;padding-left:20px}
.toc ol{list-style:none;padding-left:0;columns:2;column-gap:32px}
.toc li{margin:2px 0;break-inside:avoid}
.d1{padding-left:16px}.d2{padding-left:32px}.d3{padding-left:48px}.d4{padding-left:64px}
.note{background:#fff8e1;border:1px solid #ffe082;padding:6px 10px;border-radius:4px}
.filters{display:none;gap:8px;flex-wrap:wrap;align-items:center;margin:8px 0}
.js .filters{display:flex}
th button{font:inherit;background:none;border:0;padding:0;cursor:pointer;color:inherit}
th[aria-sort=ascending] button::after{content:" \\25B2"}
th[aria-sort=descending] button::after{content:" \\25BC"}
.legend span{margin-right:14px;white-space:nowrap}
.sw{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:8px 0}
dl.facts dt{font-weight:600}
dl.facts dd{margin:0}
.charts{display:flex;flex-wrap:wrap;gap:24px}
@media print{
@page{size:A4;margin:14mm 12mm}
body{font-size:10pt}
table{font-size:8.5pt}
code,.mono{font-size:7.5pt}
header,main{max-width:none;padding:0}
.filters,.noprint{display:none!important}
thead{display:table-header-group}
tr,.badge,.charts{break-inside:avoid}
.req.page{break-before:page}
h2,h3{break-after:avoid}
a{color:inherit;text-decoration:none}
.toc ol{columns:1}
}`;

/** Filter and sort the findings table. Reads only the page; builds no HTML from data. */
export const SCRIPT = `(function(){"use strict";
document.documentElement.classList.add("js");
var table=document.getElementById("findings-table");if(!table)return;
var body=table.tBodies[0],rows=Array.prototype.slice.call(body.rows);
var text=document.getElementById("f-text"),status=document.getElementById("f-status"),
severity=document.getElementById("f-severity"),req=document.getElementById("f-req"),
count=document.getElementById("f-count");
function apply(){var q=text.value.toLowerCase(),n=0;
rows.forEach(function(r){var ok=(!status.value||r.getAttribute("data-status")===status.value)&&
(!severity.value||r.getAttribute("data-severity")===severity.value)&&
(!req.value||(" "+r.getAttribute("data-reqs")+" ").indexOf(" "+req.value+" ")>=0)&&
(!q||r.textContent.toLowerCase().indexOf(q)>=0);r.hidden=!ok;if(ok)n++;});
count.textContent=String(n);}
[text,status,severity,req].forEach(function(e){e.addEventListener("input",apply);e.addEventListener("change",apply);});
var heads=table.tHead.rows[0].cells;
Array.prototype.forEach.call(heads,function(th,col){var b=th.querySelector("button");if(!b)return;
b.addEventListener("click",function(){var dir=th.getAttribute("aria-sort")==="ascending"?-1:1;
Array.prototype.forEach.call(heads,function(h){h.removeAttribute("aria-sort");});
th.setAttribute("aria-sort",dir>0?"ascending":"descending");
function key(r){var c=r.cells[col];return c.getAttribute("data-sort")||c.textContent;}
rows.sort(function(a,b){var x=key(a),y=key(b);return (x<y?-1:x>y?1:0)*dir;});
rows.forEach(function(r){body.appendChild(r);});});});
apply();})();`;

/** A CSP source allowing exactly this inline script or stylesheet. */
export const cspHash = (s: string): string =>
  `'sha256-${createHash("sha256").update(s, "utf8").digest("base64")}'`;

/** Nothing may load; only this stylesheet and this script may apply. */
export const CSP = [
  "default-src 'none'",
  `style-src ${cspHash(CSS)}`,
  `script-src ${cspHash(SCRIPT)}`,
  "img-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join("; ");
