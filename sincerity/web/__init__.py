"""Web pages for people. The portal and the self-service pages come with later issues;
for now the node's front page says what it is and where its API lives."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from sincerity.api.auth import services_of
from sincerity.services.catalogue import catalogue_view

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
async def front_page(request: Request) -> str:
    view = await run_in_threadpool(catalogue_view, services_of(request))
    rows = "".join(
        f"<tr><td><code>{escape(i['code'])}</code></td><td>{escape(i['title'])}<br><small lang='zh'>"
        f"{escape(i['titles']['zh'])}</small></td><td>{escape(i['polarity'])}</td><td>{escape(i['severity'] or '')}</td>"
        f"<td>{escape(i['display_period'] or 'until deleted')}</td><td>{escape(i['disclosure'])}</td></tr>"
        for i in view["items"]
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sincerity</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:system-ui,"Noto Sans CJK SC",sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem}}
table{{border-collapse:collapse;width:100%}}td,th{{border-bottom:1px solid #ddd;padding:.3rem;text-align:left;vertical-align:top}}</style>
</head><body>
<h1>Sincerity</h1>
<p>Public personal credit information under law (GBF (2016) No. 98). Every item below rests on a legal
basis, is displayed only for its period, and can be contested.</p>
<p><a href="/docs">API documentation</a> · <a href="/api/v1/catalog">catalogue (JSON)</a> · <a href="/healthz">health</a></p>
<h2>Catalogue {escape(view["version"])}</h2>
<table><thead><tr><th>code</th><th>item</th><th>polarity</th><th>severity</th><th>display</th><th>disclosure</th></tr></thead>
<tbody>{rows}</tbody></table>
</body></html>"""
