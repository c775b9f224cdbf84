/** @module The dashboard's only static assets, served locally (no CDN, works offline). */

/** The stylesheet at /assets/dashboard.css. */
export const DASHBOARD_CSS =
  `:root{--fg:#1d2330;--muted:#667085;--line:#e4e7ec;--bg:#f7f8fa;--card:#fff;--accent:#3559e0;--warn:#b54708;--bad:#b42318}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
header.top{display:flex;align-items:center;gap:24px;padding:12px 24px;background:var(--card);border-bottom:1px solid var(--line)}
header.top .brand{font-weight:700;font-size:16px;color:var(--fg)}
header.top nav a{margin-right:16px;color:var(--muted)}header.top nav a.on{color:var(--fg);font-weight:600}
main{max-width:1200px;margin:0 auto;padding:20px 24px 48px}
h1{font-size:20px;margin:0 0 12px}h2{font-size:15px;margin:0 0 10px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:16px;margin-bottom:16px;overflow-x:auto}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:16px}
.stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(160px,1fr));gap:12px;margin-bottom:16px}
.stat{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 14px}
.stat .label{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.stat .value{font-size:22px;font-weight:650;font-variant-numeric:tabular-nums}
table{border-collapse:collapse;width:100%}
th,td{padding:6px 8px;border-bottom:1px solid var(--line);text-align:left;white-space:nowrap}
th{font-size:12px;color:var(--muted);font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tr.total td{font-weight:650;border-top:2px solid var(--line)}
.warn{color:var(--warn)}.bad{color:var(--bad)}.muted{color:var(--muted)}
form.filters{display:flex;flex-wrap:wrap;gap:8px;align-items:end;margin-bottom:12px}
form.filters label{display:flex;flex-direction:column;font-size:12px;color:var(--muted);gap:2px}
select,input,button{font:inherit;padding:5px 8px;border:1px solid var(--line);border-radius:6px;background:#fff}
button{background:var(--accent);color:#fff;border-color:var(--accent);cursor:pointer}
.periods a{display:inline-block;padding:4px 10px;border:1px solid var(--line);border-radius:14px;margin-right:6px;background:#fff;color:var(--fg)}
.periods a.on{background:var(--fg);color:#fff;border-color:var(--fg)}
.pager{display:flex;gap:12px;align-items:center;margin-top:12px}
.chart svg{width:100%;height:auto;display:block}
.chart .bar{fill:var(--accent)}.chart .bar:hover{fill:#1f3fb8}
.chart .grid line{stroke:var(--line)}.chart text{fill:var(--muted);font-size:11px}
pre.body{background:#0f1420;color:#e6e9ef;padding:12px;border-radius:6px;max-height:480px;overflow:auto;white-space:pre-wrap;word-break:break-word;font-size:12px}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}dl.kv dt{color:var(--muted)}dl.kv dd{margin:0}
.tag{display:inline-block;padding:1px 8px;border-radius:10px;background:#eef2ff;color:#3730a3;font-size:12px}
.error-box{border-color:#fda29b;background:#fef3f2;color:var(--bad)}
`;

/** The favicon at /assets/favicon.svg. */
export const FAVICON_SVG =
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#3559e0"/><path d="M4 12V4h2v3h4V4h2v8h-2V9H6v3z" fill="#fff"/></svg>`;
