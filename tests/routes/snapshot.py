#!/usr/bin/env python3
"""Records what every route of a demo site answers, to compare two builds of Midad.

  snapshot.py seed BIN DATADIR               a demo site with an owner account
  snapshot.py record BIN DATADIR OUT.json [BODIES]  every route's status, headers and
                                             body hash (and each body, in a folder)
  snapshot.py compare BEFORE.json AFTER.json every difference, one per line

Both builds are recorded against copies of the same seeded folder, so they serve the same
content. Values that differ between two runs of one build (session and CSRF tokens, the
metrics' timings) are normalised; everything else is compared as it is.
"""
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

EMAIL = "owner@example.com"
PASSWORD = "snapshot-password-1"
RECORD_PORT = 18455


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(binary, datadir, port, *extra):
    proc = subprocess.Popen(
        [binary, "--data-dir", datadir, "--listen", f"127.0.0.1:{port}", "serve", *extra],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            status, _, _ = request(port, "GET", "/healthz")
            if status == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.1)
    proc.kill()
    sys.exit("the server did not start")


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)


def request(port, method, path, headers=None, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    # Links carry Arabic slugs as they are; on the wire they are percent-encoded.
    path = urllib.parse.quote(path, safe="/?&=%:+,;@!$'()*~")
    conn.request(method, path, body=body, headers=headers or {})
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, r.getheaders(), data


def seed(binary, datadir):
    port = free_port()
    stop(start(binary, datadir, port, "--demo"))
    subprocess.run(
        [binary, "--data-dir", datadir, "user", "add", "--email", EMAIL, "--name", "المالك",
         "--role", "owner", "--password-stdin"],
        input=PASSWORD.encode(), check=True, stdout=subprocess.DEVNULL,
    )


TOKEN = re.compile(rb'(name="csrf" value="|name="csrf-token" content="|"csrf":\s*")[^"]+')
COOKIE = re.compile(r"(midad_session=)[^;]*")


def normalise_body(path, data):
    data = TOKEN.sub(rb"\1TOKEN", data)
    if path == "/metrics":
        data = re.sub(rb"(?m)^(midad_[a-z_]+(\{[^}]*\})?) [0-9.e+-]+$", rb"\1 N", data)
    return data


def normalise_headers(headers):
    out = []
    for name, value in headers:
        name = name.lower()
        if name == "date":
            continue
        if name == "set-cookie":
            value = COOKIE.sub(r"\1TOKEN", value)
        out.append([name, value])
    return sorted(out)


def links(html, prefix):
    found = []
    for href in re.findall(rb'href="([^"#]+)"', html):
        href = href.decode()
        if href.startswith(prefix) and href not in found:
            found.append(href)
    return found


def record(binary, datadir, out, bodies=None):
    if bodies:
        os.makedirs(bodies, exist_ok=True)
    work = tempfile.mkdtemp()
    copy = os.path.join(work, "site")
    shutil.copytree(datadir, copy)
    # One port for every recording: links carry the site's address.
    port = RECORD_PORT
    proc = start(binary, copy, port)
    try:
        origin = f"http://127.0.0.1:{port}"
        body = urllib.parse.urlencode({"email": EMAIL, "password": PASSWORD})
        status, headers, _ = request(
            port, "POST", "/admin/login",
            {"Content-Type": "application/x-www-form-urlencoded", "Origin": origin}, body)
        cookie = next(v.split(";")[0] for k, v in headers if k.lower() == "set-cookie")
        signed = {"Cookie": cookie}

        _, _, home = request(port, "GET", "/")
        _, _, admin_list = request(port, "GET", "/admin/articles", signed)
        articles = [l for l in links(home, "/article/")][:15]
        sections = links(home, "/section/")
        tags, authors = [], []
        for a in articles:
            _, _, page = request(port, "GET", a)
            tags += [t for t in links(page, "/tag/") if t not in tags]
            authors += [t for t in links(page, "/author/") if t not in authors]
        pages = links(home, "/page/")
        statics = links(home, "/static/")
        edits = [l for l in links(admin_list, "/admin/articles/") if re.fullmatch(r"/admin/articles/\d+", l)][:4]
        _, _, sitemap = request(port, "GET", "/sitemap.xml")
        maps = [urllib.parse.urlparse(u.decode()).path for u in re.findall(rb"<loc>([^<]+)</loc>", sitemap)]
        _, _, newsletter = request(port, "GET", "/newsletter")

        public = ["/", "/?utm_source=x", "/?p=1", "/?page_id=2", "/feed/", "/category/x/", "/no-such-page",
                  "/caricature", "/caricature?page=2", "/feed.xml", "/atom.xml", "/feed.json",
                  "/sitemap.xml", "/news-sitemap.xml", "/robots.txt", "/favicon.ico", "/healthz",
                  "/metrics", "/newsletter", "/newsletter/confirm/bad", "/newsletter/preferences/bad",
                  "/newsletter/unsubscribe/bad",
                  "/search", "/search?q=" + urllib.parse.quote("الحكومة"),
                  "/search?q=" + urllib.parse.quote("الطاقة") + "&page=2",
                  "/api/v1/search?q=" + urllib.parse.quote("الحكومة"),
                  "/api/v1/search?q=", "/api/v1/search?q=x&per_page=500",
                  "/api/v1/search/suggest?q=" + urllib.parse.quote("ال"),
                  "/static/site.css", "/static/nothing.css"]
        public += articles + sections + [s + "?page=2" for s in sections[:2]] + [sections[0] + "?page=abc"]
        public += tags + authors + pages + statics + maps
        for a in articles[:3]:
            ident = a.split("/")[2]
            public += [f"/article/{ident}", f"/article/{ident}/wrong-slug"]
        for s in sections[:2] + tags[:2]:
            public += [s + "/feed.xml", s + "/atom.xml", s + "/feed.json"]
        admin = ["/admin", "/admin/", "/admin/articles", "/admin/articles?status=draft",
                 "/admin/articles?q=" + urllib.parse.quote("الحكومة"), "/admin/articles?page=2",
                 "/admin/articles/new", "/admin/media", "/admin/sections", "/admin/tags",
                 "/admin/subscribers", "/admin/subscribers/export.csv", "/admin/newsletter",
                 "/admin/settings", "/admin/redirects", "/admin/users", "/admin/audit",
                 "/admin/account", "/admin/suggest/tags?q=" + urllib.parse.quote("ا"),
                 "/admin/suggest/authors?q=" + urllib.parse.quote("ا"), "/admin/login", "/admin/reset"]
        for e in edits:
            admin += [e, e + "/preview", e + "/revisions/1", e + "/alert"]

        seen, rows = set(), []

        def take(method, path, headers, label):
            key = (method, path, label)
            if key in seen:
                return
            seen.add(key)
            status, got, data = request(port, method, path, headers)
            if bodies:
                name = hashlib.sha1(f"{method} {path} {label}".encode()).hexdigest()[:16]
                with open(os.path.join(bodies, name), "wb") as f:
                    f.write(normalise_body(path, data))
            rows.append({
                "request": f"{method} {path} [{label}]",
                "status": status,
                "headers": normalise_headers(got),
                "length": len(data),
                "sha256": hashlib.sha256(normalise_body(path, data)).hexdigest(),
            })
            return got

        for path in public:
            took = take("GET", path, {}, "plain")
            take("GET", path, {"Accept-Encoding": "br, gzip"}, "br, gzip")
            etag = next((v for k, v in (took or []) if k.lower() == "etag"), None)
            if etag:
                take("GET", path, {"If-None-Match": etag}, "conditional")
        take("HEAD", "/", {}, "plain")
        for path in admin:
            take("GET", path, signed, "signed in")
            take("GET", path, dict(signed, **{"Accept-Encoding": "br, gzip"}), "signed in, br, gzip")
        for path in admin[:6]:
            take("GET", path, {}, "signed out")
    finally:
        stop(proc)
        shutil.rmtree(work, ignore_errors=True)
    with open(out, "w") as f:
        json.dump(rows, f, ensure_ascii=False, indent=1)
    print(f"{len(rows)} requests recorded in {out}")


def compare(before, after):
    a = {r["request"]: r for r in json.load(open(before))}
    b = {r["request"]: r for r in json.load(open(after))}
    differences = 0
    for key in list(a) + [k for k in b if k not in a]:
        x, y = a.get(key), b.get(key)
        lines = []
        if x is None or y is None:
            lines.append("only in " + ("after" if x is None else "before"))
        else:
            if x["status"] != y["status"]:
                lines.append(f"status {x['status']} -> {y['status']}")
            hx = {n: v for n, v in x["headers"]}
            hy = {n: v for n, v in y["headers"]}
            for n in sorted(set(hx) | set(hy)):
                if hx.get(n) != hy.get(n):
                    lines.append(f"header {n}: {hx.get(n)!r} -> {hy.get(n)!r}")
            if x["sha256"] != y["sha256"]:
                lines.append(f"body {x['length']} -> {y['length']} bytes, not the same")
        if lines:
            differences += 1
            print(key)
            for l in lines:
                print("   ", l)
    print(f"{differences} of {len(a)} requests differ")


if __name__ == "__main__":
    cmd = sys.argv[1:2]
    if cmd == ["seed"] and len(sys.argv) == 4:
        seed(sys.argv[2], sys.argv[3])
    elif cmd == ["record"] and len(sys.argv) in (5, 6):
        record(sys.argv[2], sys.argv[3], sys.argv[4], *sys.argv[5:])
    elif cmd == ["compare"] and len(sys.argv) == 4:
        compare(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
