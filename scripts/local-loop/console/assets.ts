/** The console's stylesheet: small, system fonts, nothing fetched. */
export const CONSOLE_CSS = `
:root{--ink:#1f2933;--muted:#616e7c;--line:#e4e7eb;--accent:#2457c5;--ok:#1b7f4c;--bad:#c62828;--warn:#b26b00}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:var(--ink);background:#f7f8fa}
header{display:flex;gap:24px;align-items:center;padding:10px 24px;background:#102a43;color:#fff}
header a{color:#d9e2ec;text-decoration:none;margin-right:16px}header a.brand{color:#fff;font-weight:700;font-size:16px}
main{max-width:1200px;margin:0 auto;padding:16px 24px 48px}
h1{font-size:22px;margin:8px 0 12px}h2{font-size:17px;margin:24px 0 8px}h3{font-size:14px;margin:0 0 6px}
a{color:var(--accent)}
pre{background:#fff;border:1px solid var(--line);border-radius:6px;padding:10px;overflow:auto;font:12px/1.4 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap;word-break:break-word}
pre.timeline{white-space:pre;max-height:70vh}
table{border-collapse:collapse;background:#fff}th,td{text-align:left;padding:4px 10px;border-bottom:1px solid var(--line);vertical-align:top}
.status{display:inline-block;padding:2px 10px;border-radius:12px;font-weight:600;color:#fff}
.status.running{background:var(--warn)}.status.finished{background:var(--ok)}.status.failed{background:var(--bad)}
.muted{color:var(--muted)}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:12px}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:12px}
.grid{display:grid;grid-template-columns:repeat(24,1fr);gap:8px}
.widget{background:#fff;border:1px solid var(--line);border-radius:6px;padding:8px;overflow:hidden;min-height:0}
.widget svg{width:100%;height:auto;display:block}
.widget.other{color:var(--muted)}
.button{display:inline-block;padding:6px 16px;border-radius:6px;color:#fff;text-decoration:none;font-weight:600;margin-right:8px}
.button.approve{background:var(--ok)}.button.deny{background:var(--bad)}
.formats{display:grid;grid-template-columns:1fr 1fr;gap:12px}
.graph{background:#fff;border:1px solid var(--line);border-radius:8px;padding:8px;overflow:auto}
`;

/**
 * Refreshes the run page while the run goes: polls `/api/run` and reloads when anything changed,
 * unless the page is being left (a reload then would replace the navigation the person started).
 */
export const CONSOLE_JS = `
(function () {
  var last = null;
  var leaving = false;
  addEventListener('beforeunload', function () { leaving = true; });
  addEventListener('pagehide', function () { leaving = true; });
  function poll() {
    if (leaving) return;
    fetch('/api/run', { cache: 'no-store' })
      .then(function (response) { return response.json(); })
      .then(function (run) {
        if (leaving) return;
        var stamp = run.status + '|' + run.timeline.length + '|' + run.approvals;
        if (last !== null && stamp !== last) { location.reload(); return; }
        last = stamp;
        if (run.status === 'running') setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  poll();
})();
`;
