#!/usr/bin/env python3
"""Renders src/http/openapi.json as a static HTML page, src/http/openapi.html (served at /api/docs).

No script, no inline style and no external resource: the page must work under the server's
Content-Security-Policy (`script-src 'self'; style-src 'self'`).

    scripts/openapi-html.py          # regenerate src/http/openapi.html
    scripts/openapi-html.py --check  # exit 1 when src/http/openapi.html is not up to date
"""

import html
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "src/http/openapi.json"
TARGET = ROOT / "src/http/openapi.html"
METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

# The server's Content-Security-Policy allows no inline style or script (`style-src 'self'`):
# the page borrows the phone app's same-origin style sheet, and tables get the HTML `border`
# attribute, so it reads well with no CSS at all.
STYLESHEET = "/style.css"


def inline(text: str) -> str:
    """Escapes text and turns `code` spans into <code>."""
    parts = re.split(r"(`[^`]*`)", text or "")
    out = []
    for p in parts:
        if len(p) >= 2 and p.startswith("`") and p.endswith("`"):
            out.append(f"<code>{html.escape(p[1:-1])}</code>")
        else:
            out.append(html.escape(p))
    return "".join(out)


def anchor(*parts: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", "-".join(parts)).strip("-")


class Renderer:
    def __init__(self, doc):
        self.doc = doc
        self.components = doc.get("components", {})

    def resolve(self, obj):
        while isinstance(obj, dict) and "$ref" in obj:
            section, name = obj["$ref"].split("/")[-2:]
            obj = self.components[section][name]
        return obj

    def type_of(self, s) -> str:
        """A one-line HTML description of a schema's type."""
        if not isinstance(s, dict):
            return ""
        if "$ref" in s:
            name = s["$ref"].split("/")[-1]
            return f'<a href="#schema-{anchor(name)}">{html.escape(name)}</a>'
        null = " or null" if s.get("nullable") else ""
        for key, word in (("oneOf", "one of"), ("anyOf", "any of")):
            if key in s:
                return f"{word} " + ", ".join(self.type_of(x) for x in s[key]) + null
        if "allOf" in s:
            return " and ".join(self.type_of(x) for x in s["allOf"]) + null
        t = s.get("type", "any")
        if t == "array":
            text = f"array of {self.type_of(s.get('items', {}))}"
        elif t == "object" and "additionalProperties" in s and isinstance(s["additionalProperties"], dict) and not s.get("properties"):
            text = f"map of string → {self.type_of(s['additionalProperties'])}"
        else:
            text = html.escape(t)
            if s.get("format"):
                text += f" ({html.escape(s['format'])})"
        if "enum" in s:
            text += ": " + " | ".join(f"<code>{html.escape(json.dumps(v, ensure_ascii=False))}</code>" for v in s["enum"])
        limits = []
        for k in ("minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems"):
            if k in s:
                limits.append(f"{k} {s[k]}")
        if "default" in s:
            limits.append(f"default <code>{html.escape(json.dumps(s['default'], ensure_ascii=False))}</code>")
        if limits:
            text += " <span class=muted>(" + ", ".join(limits) + ")</span>"
        return text + null

    def properties_table(self, s) -> str:
        props = s.get("properties") or {}
        if not props:
            return ""
        required = set(s.get("required", []))
        rows = ["<table border=1><tr><th>field</th><th>type</th><th>description</th></tr>"]
        for name, p in props.items():
            mark = ' <span class=req title="required">*</span>' if name in required else ""
            rows.append(
                f"<tr><td><code>{html.escape(name)}</code>{mark}</td><td>{self.type_of(p)}</td>"
                f"<td>{inline(p.get('description', '')) if isinstance(p, dict) else ''}</td></tr>"
            )
        rows.append("</table>")
        extra = s.get("additionalProperties")
        note = "<p class=muted>No other field is accepted.</p>" if extra is False else ""
        return "".join(rows) + note

    def schema_block(self, s) -> str:
        """How a body schema is shown inside an operation: a link, or the type with its fields."""
        if "$ref" in s:
            return f"<p>{self.type_of(s)}</p>"
        out = f"<p>{self.type_of(s)}</p>"
        if s.get("description"):
            out += f"<p>{inline(s['description'])}</p>"
        return out + self.properties_table(s)

    def parameters(self, params) -> str:
        if not params:
            return ""
        rows = ["<h4>Parameters</h4><table border=1><tr><th>name</th><th>in</th><th>type</th><th>description</th></tr>"]
        for p in params:
            p = self.resolve(p)
            mark = ' <span class=req title="required">*</span>' if p.get("required") else ""
            rows.append(
                f"<tr><td><code>{html.escape(p['name'])}</code>{mark}</td><td>{html.escape(p['in'])}</td>"
                f"<td>{self.type_of(p.get('schema', {}))}</td><td>{inline(p.get('description', ''))}</td></tr>"
            )
        rows.append("</table>")
        return "".join(rows)

    def request_body(self, body) -> str:
        if not body:
            return ""
        body = self.resolve(body)
        out = ["<h4>Request body" + ("" if body.get("required") else " (optional)") + "</h4>"]
        if body.get("description"):
            out.append(f"<p>{inline(body['description'])}</p>")
        for media, m in body.get("content", {}).items():
            out.append(f"<p><code>{html.escape(media)}</code></p>")
            out.append(self.schema_block(m.get("schema", {})))
        return "".join(out)

    def responses(self, responses) -> str:
        rows = ["<h4>Responses</h4><table border=1><tr><th>status</th><th>body</th><th>description</th></tr>"]
        for status, r in responses.items():
            r = self.resolve(r)
            bodies = []
            for media, m in (r.get("content") or {}).items():
                bodies.append(f"<code>{html.escape(media)}</code> {self.type_of(m.get('schema', {}))}")
            desc = inline(r.get("description", ""))
            for h, hv in (r.get("headers") or {}).items():
                desc += f"<br>Header <code>{html.escape(h)}</code>: {inline(self.resolve(hv).get('description', ''))}"
            rows.append(f"<tr><td><b>{html.escape(status)}</b></td><td>{'<br>'.join(bodies)}</td><td>{desc}</td></tr>")
        rows.append("</table>")
        return "".join(rows)

    def operation(self, method, path, op) -> str:
        oid = op.get("operationId", anchor(method, path))
        out = [f'<section class=op id="op-{anchor(oid)}">']
        out.append(f'<h3><span class="m {method}">{method.upper()}</span> <code>{html.escape(path)}</code></h3>')
        out.append(f"<p><b>{inline(op.get('summary', ''))}</b> <span class=muted>({html.escape(oid)})</span></p>")
        if op.get("description"):
            out.append(f"<p>{inline(op['description'])}</p>")
        sec = op.get("security")
        if sec:
            names = ", ".join(html.escape(n) for req in sec for n in req)
            auth = f"Needs the organiser session ({names}: cookie <code>thiluat_session</code>)"
            if op.get("x-required-role"):
                auth += f" with role <code>{html.escape(op['x-required-role'])}</code> or above in the organisation"
            if method != "get":
                auth += ", and the <code>X-CSRF-Token</code> header"
            out.append(f"<p>{auth}.</p>")
        out.append(self.parameters(op.get("parameters")))
        out.append(self.request_body(op.get("requestBody")))
        out.append(self.responses(op.get("responses", {})))
        out.append("</section>")
        return "\n".join(x for x in out if x)

    def page(self) -> str:
        info = self.doc.get("info", {})
        title = f"{info.get('title', 'API')} {info.get('version', '')}".strip()
        tags = [t["name"] for t in self.doc.get("tags", [])]
        tag_desc = {t["name"]: t.get("description", "") for t in self.doc.get("tags", [])}
        by_tag = {}
        for path, item in self.doc.get("paths", {}).items():
            for method in METHODS:
                if method in item:
                    op = item[method]
                    tag = (op.get("tags") or ["other"])[0]
                    if tag not in tags:
                        tags.append(tag)
                    by_tag.setdefault(tag, []).append((method, path, op))
        out = [
            "<!doctype html>",
            '<html lang="en">',
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width,initial-scale=1">',
            f"<title>{html.escape(title)}</title>",
            f'<link rel="stylesheet" href="{STYLESHEET}">',
            "<body>",
            f"<h1>{html.escape(title)}</h1>",
            f"<p>{inline(info.get('description', ''))}</p>",
            f"<p>OpenAPI {html.escape(self.doc.get('openapi', ''))} document: <a href=\"/api/openapi.json\">/api/openapi.json</a>. "
            "Fields marked <span class=req>*</span> are required.</p>",
            "<nav><h2>Operations</h2><ul>",
        ]
        for tag in tags:
            for method, path, op in by_tag.get(tag, []):
                oid = op.get("operationId", anchor(method, path))
                out.append(
                    f'<li><a href="#op-{anchor(oid)}"><span class="m {method}">{method.upper()}</span> '
                    f"<code>{html.escape(path)}</code></a></li>"
                )
        out.append('</ul><p><a href="#schemas">Schemas</a></p></nav>')
        for tag in tags:
            if tag not in by_tag:
                continue
            out.append(f'<h2 id="tag-{anchor(tag)}">{html.escape(tag)}</h2>')
            if tag_desc.get(tag):
                out.append(f"<p>{inline(tag_desc[tag])}</p>")
            for method, path, op in by_tag[tag]:
                out.append(self.operation(method, path, op))
        schemes = self.components.get("securitySchemes", {})
        if schemes:
            out.append('<h2 id="security">Security schemes</h2><ul>')
            for name, s in schemes.items():
                where = f"{s.get('in', '')} <code>{html.escape(s.get('name', ''))}</code>" if s.get("type") == "apiKey" else html.escape(s.get("type", ""))
                out.append(f"<li><b>{html.escape(name)}</b>: {where}. {inline(s.get('description', ''))}</li>")
            out.append("</ul>")
        out.append('<h2 id="schemas">Schemas</h2>')
        for name, s in self.components.get("schemas", {}).items():
            out.append(f'<section class=op id="schema-{anchor(name)}"><h3>{html.escape(name)}</h3>')
            out.append(f"<p>{self.type_of({k: v for k, v in s.items() if k != 'properties'}) if 'type' in s or 'enum' in s else ''}</p>")
            if s.get("description"):
                out.append(f"<p>{inline(s['description'])}</p>")
            for key, word in (("oneOf", "One of"), ("allOf", "All of"), ("anyOf", "Any of")):
                if key in s:
                    out.append(f"<p>{word}: " + ", ".join(self.type_of(x) for x in s[key]) + "</p>")
                    for part in s[key]:
                        if "$ref" not in part:
                            out.append(self.properties_table(part))
            if "discriminator" in s:
                out.append(f"<p>Discriminator: <code>{html.escape(s['discriminator']['propertyName'])}</code>.</p>")
            out.append(self.properties_table(s))
            out.append("</section>")
        out.append("</body>")
        out.append("</html>")
        return "\n".join(x for x in out if x) + "\n"


def main() -> int:
    doc = json.loads(SOURCE.read_text(encoding="utf-8"))
    page = Renderer(doc).page()
    if "--check" in sys.argv[1:]:
        if TARGET.read_text(encoding="utf-8") != page:
            print(f"{TARGET.relative_to(ROOT)} is out of date: run scripts/openapi-html.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(page, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)} ({len(page)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
