/**
 * The viewer's page and stylesheet: plain HTML/CSS served as they are (no bundler, no CDN). The scripts are ES
 * modules (script*.ts: viewer.js, dom.js, figures.js, player.js, and eventsource-parser's own files); they only
 * ever put job data into the page with `textContent` (object keys may hold any character).
 */

/** The single page (the script renders the jobs list at `/viewer` and one job at `/viewer/jobs/:id`). */
export const VIEWER_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>vodsr viewer</title>
<link rel="stylesheet" href="/viewer/assets/viewer.css">
<script src="/viewer/assets/hls.min.js" defer></script>
<script type="module" src="/viewer/assets/viewer.js"></script>
</head>
<body>
<header><a href="/viewer" class="brand">vodsr</a><span class="sub">super-resolution jobs</span></header>
<main id="app"><p>Loading…</p></main>
</body>
</html>
`;

/** The stylesheet. */
export const VIEWER_CSS = `
:root { color-scheme: light dark; --fg: #1b1f24; --muted: #667; --bg: #fafafa; --card: #fff; --line: #dde; --accent: #2563eb; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e6e6; --muted: #99a; --bg: #111418; --card: #1a1e24; --line: #2c323a; } }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; gap: 12px; align-items: baseline; padding: 10px 20px; border-bottom: 1px solid var(--line); background: var(--card); }
.brand { font-weight: 700; font-size: 18px; color: var(--fg); text-decoration: none; }
.sub { color: var(--muted); }
main { padding: 16px 20px; max-width: 1200px; margin: 0 auto; }
table { border-collapse: collapse; width: 100%; background: var(--card); }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.mono { font-family: ui-monospace, monospace; font-size: 12px; word-break: break-all; }
.status { font-weight: 600; }
.status.succeeded { color: #16a34a; } .status.failed, .status.interrupted { color: #dc2626; } .status.cancelled { color: var(--muted); }
progress { width: 140px; }
.error { color: #dc2626; }
.note { padding: 6px 10px; border-left: 3px solid #f59e0b; background: rgba(245, 158, 11, .1); margin: 6px 0; }
.compare { position: relative; width: 100%; aspect-ratio: 16 / 9; background: #000; overflow: hidden; user-select: none; }
.compare video { position: absolute; inset: 0; width: 100%; height: 100%; object-fit: contain; }
.compare .divider { position: absolute; top: 0; bottom: 0; width: 2px; background: #fff; box-shadow: 0 0 4px #000; pointer-events: none; }
.compare .label { position: absolute; top: 8px; max-width: calc(50% - 12px); padding: 2px 8px; background: rgba(0, 0, 0, .6); color: #fff; border-radius: 4px; font-size: 12px; overflow-wrap: anywhere; }
.compare .label.left { left: 8px; } .compare .label.right { right: 8px; }
.controls { display: flex; gap: 10px; align-items: center; margin: 8px 0 16px; flex-wrap: wrap; }
.controls input[type=range] { flex: 1; min-width: 160px; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 16px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 12px; }
h1 { font-size: 20px; margin: 4px 0 12px; } h2 { font-size: 15px; margin: 0 0 8px; } h3 { font-size: 13px; margin: 10px 0 4px; }
.scroll { overflow-x: auto; }
.sub.error, p.error { color: #dc2626; }
td.error-code { color: #dc2626; }
ul.assumptions { margin: 2px 0 8px; padding-left: 18px; color: var(--muted); font-size: 12px; }
#token-help { max-width: 640px; color: var(--muted); }
@media (max-width: 480px) { main { padding: 12px 10px; } .grid { grid-template-columns: 1fr; } #jobs { min-width: 760px; } }
button, select, input[type=password] { font: inherit; padding: 4px 10px; }
`;
