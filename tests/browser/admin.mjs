// Checks Midad's back office in real headless Chromium (Debian's /usr/bin/chromium).
//
//   node tests/browser/admin.mjs BASE_URL ARTIFACTS_DIR OWNER_EMAIL OWNER_PASSWORD
//
// BASE_URL is a running Midad with the demo content (`midad serve --demo`) and an owner
// account. The script signs in through the form, uploads a photo, writes and schedules an
// Arabic article and watches it go live, then pushes a corpus of XSS payloads through every
// text field of the editor and of the media library and looks for any of them running or
// being inserted as markup on the public and the back-office pages. Prints one line per
// check, PASS or FAIL with a detail, saves screenshots into ARTIFACTS_DIR, and exits non-zero
// when any check failed.
//
// The XSS pages are loaded with the Content-Security-Policy bypassed, so that the escaping and
// the sanitiser are tested on their own. Every payload is also typed as the address of a failed
// sign-in: after 20 of them the server throttles sign-ins from 127.0.0.1 for 15 minutes, so run
// the script against a fresh server. MIDAD_XSS_ONLY=4,17 limits the corpus to those payloads.

import { chromium } from "playwright-core";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const DESKTOP = { width: 1280, height: 900 };
const TIMEOUT = 30_000;
/** How long after its time a scheduled article may take to appear on the home page. */
const SCHEDULE_GRACE_MS = 30_000;
/** Payloads per group: the shared pages (home, lists, library, search) are visited per group. */
const GROUP = 6;
/** At most this many failing payloads are traced back to the field that lets them through. */
const MAX_TRACED = 6;
/** Payloads worked on side by side. */
const LANES = 2;

const [base0, artifacts0, email, password] = process.argv.slice(2);
if (!base0 || !artifacts0 || !email || !password) {
  console.error("usage: node admin.mjs BASE_URL ARTIFACTS_DIR OWNER_EMAIL OWNER_PASSWORD");
  process.exit(2);
}
const BASE = base0.replace(/\/+$/, "");
const ORIGIN = new URL(BASE).origin;
const ARTIFACTS = resolve(artifacts0);
mkdirSync(ARTIFACTS, { recursive: true });
const started = Date.now();
/** Mixed into every drawn image, so that a second run against the same site uploads new files. */
const SALT = Math.floor(Math.random() * 1e9);

// ------------------------------------------------------------------ reporting

const results = [];
function report(name, ok, detail) {
  results.push({ name, ok });
  console.log(`${ok ? "PASS" : "FAIL"} ${name}${detail ? ` — ${detail}` : ""}`);
}

/** Runs one check; an exception is a failure with its message, never a crash. */
async function check(name, fn) {
  try {
    const out = await fn();
    if (out === undefined || out === true) report(name, true, "");
    else if (typeof out === "string") report(name, true, out);
    else report(name, !!out.ok, out.detail);
    return out;
  } catch (e) {
    report(name, false, e && e.stack ? e.stack.split("\n").slice(0, 3).join(" | ") : String(e));
    return null;
  }
}

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

/** A payload as one readable line: control and bidi characters shown as \uXXXX. */
function shown(s, max = 90) {
  const t = s.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) =>
    `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return t.length > max ? `${t.slice(0, max)}…` : t;
}

/** Text as a browser shows it: spaces collapsed, ends trimmed. */
const normal = (s) => s.replace(/\s+/g, " ").trim();

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------ browser

let browser;

async function newContext(options = {}) {
  const context = await browser.newContext({ viewport: DESKTOP, locale: "ar", ...options });
  context.setDefaultTimeout(TIMEOUT);
  context.setDefaultNavigationTimeout(TIMEOUT);
  return context;
}

/** A JPEG drawn on a canvas in the browser (a real photo-like image: gradients and shapes). */
async function makeJpeg(page, width, height, label, seed) {
  const dataUrl = await page.evaluate(
    ({ width, height, label, seed, salt }) => {
      let s = (seed ^ salt) >>> 0 || 1;
      const rnd = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 4294967296);
      const c = document.createElement("canvas");
      c.width = width;
      c.height = height;
      const g = c.getContext("2d");
      const sky = g.createLinearGradient(0, 0, 0, height);
      sky.addColorStop(0, `hsl(${Math.floor(rnd() * 360)}, 60%, 70%)`);
      sky.addColorStop(1, `hsl(${Math.floor(rnd() * 360)}, 50%, 35%)`);
      g.fillStyle = sky;
      g.fillRect(0, 0, width, height);
      for (let i = 0; i < 40; i++) {
        g.fillStyle = `hsla(${Math.floor(rnd() * 360)}, 70%, 50%, 0.5)`;
        g.beginPath();
        g.arc(rnd() * width, rnd() * height, 10 + rnd() * height * 0.2, 0, Math.PI * 2);
        g.fill();
      }
      g.fillStyle = "#fff";
      g.font = `bold ${Math.round(height / 8)}px sans-serif`;
      g.textAlign = "center";
      g.fillText(label, width / 2, height / 2);
      return c.toDataURL("image/jpeg", 0.88);
    },
    { width, height, label, seed, salt: SALT },
  );
  assert(dataUrl.startsWith("data:image/jpeg;base64,"), `canvas gave ${dataUrl.slice(0, 30)}`);
  const bytes = Buffer.from(dataUrl.slice("data:image/jpeg;base64,".length), "base64");
  assert(bytes[0] === 0xff && bytes[1] === 0xd8, "not a JPEG (no SOI marker)");
  return bytes;
}

/** Fills the sign-in form and lands on the dashboard. */
async function signIn(page) {
  await page.goto(BASE + "/admin/login");
  await page.fill("#email", email);
  await page.fill("#password", password);
  await Promise.all([
    page.waitForURL((u) => u.pathname === "/admin", { waitUntil: "load" }),
    page.click('form[action="/admin/login"] button[type="submit"]'),
  ]);
}

/**
 * Submits the form by clicking `selector`; waits for the POST's answer and for the page it
 * leads to. Returns the POST's status (303 when accepted, 422 when refused…).
 */
async function submit(page, selector) {
  const post = page.waitForResponse(
    (r) => r.request().method() === "POST" && r.request().isNavigationRequest(),
    { timeout: 60_000 },
  );
  const nav = page.waitForNavigation({ waitUntil: "load", timeout: 60_000 });
  await page.click(selector);
  const [response] = await Promise.all([post, nav]);
  return response.status();
}

/** The media ids shown in the library (each item that is not in use has a delete form). */
async function libraryIds(page) {
  return page.$$eval('form[action^="/admin/media/"][action$="/delete"]', (forms) =>
    forms.map((f) => f.getAttribute("action").split("/")[3]),
  );
}

/** The problems listed by a refusal (the form's alert). */
async function refusalText(page) {
  return page
    .$$eval('.form-problem li, p.form-problem', (els) => els.map((e) => e.textContent.trim()).join(" / "))
    .catch(() => "");
}

const ARABIC = /[\u0600-\u06ff]/;

/** The time `ms` from now as `YYYY-MM-DDTHH:MM` in time zone `tz` (a datetime-local value). */
function localMinute(date, tz) {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: tz,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(date);
  const p = Object.fromEntries(parts.map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

// ------------------------------------------------------------------ XSS watching

/**
 * A page whose every visit is watched for payloads that run or are inserted: `window.__xss`
 * records calls (through a binding, so a call survives a navigation), dialogs are dismissed
 * and recorded, page errors, requests to other origins and unexpected navigations are
 * recorded. The context bypasses the site's Content-Security-Policy on purpose: the escaping
 * and the sanitiser must hold on their own, so a handler the CSP would have blocked still
 * counts.
 */
class Watcher {
  static async create(options) {
    const w = new Watcher();
    w.context = await newContext({ ...options, bypassCSP: true });
    w.hits = [];
    w.events = [];
    await w.context.exposeBinding("__xssHit", (source, n) => {
      w.hits.push({ n, url: source.frame ? source.frame.url() : "?" });
    });
    await w.context.addInitScript(() => {
      window.__xssCalls = [];
      window.__xss = (n) => {
        window.__xssCalls.push(n);
        try {
          window.__xssHit(n);
        } catch (e) {}
        return n;
      };
    });
    await w.context.route(
      (url) => !url.href.startsWith(ORIGIN + "/"),
      (route) => {
        w.events.push(`request to another origin: ${route.request().url().slice(0, 120)}`);
        route.abort().catch(() => {});
      },
    );
    w.page = await w.context.newPage();
    w.page.on("dialog", (d) => {
      w.events.push(`dialog (${d.type()}) opened: «${d.message().slice(0, 80)}»`);
      d.dismiss().catch(() => {});
    });
    w.page.on("pageerror", (err) => w.events.push(`pageerror: ${err.message.slice(0, 160)}`));
    w.navigations = [];
    w.page.on("framenavigated", (frame) => {
      if (frame === w.page.mainFrame()) w.navigations.push(frame.url());
    });
    return w;
  }

  /** Forgets what happened before: the next inspection sees only the next page. */
  reset() {
    this.hitsSeen = this.hits.length;
    this.events.length = 0;
    this.navigations.length = 0;
  }

  async goto(path) {
    this.reset();
    const response = await this.page.goto(BASE + path);
    return response ? response.status() : 0;
  }

  /** Inspects the page now shown; returns a list of problems (empty when clean). */
  async inspect(label) {
    const page = this.page;
    // Events that fire after load (autofocus, animations, toggles, late image errors).
    await page.waitForTimeout(100);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const url = page.url();
    const found = await page.evaluate(inspectDocument, themeInit);
    const problems = [];
    // One navigation is the visit itself (a redirect included); more is the page moving on.
    if (this.navigations.length > 1) {
      problems.push(`the page navigated by itself: ${this.navigations.map((u) => u.slice(0, 100)).join(" → ")}`);
    }
    for (const h of this.hits.slice(this.hitsSeen)) problems.push(`window.__xss(${h.n}) was called (frame ${h.url})`);
    for (const e of this.events) problems.push(e);
    for (const f of found) problems.push(f);
    return problems.map((p) => `${label} ${decodeURI(url.replace(ORIGIN, ""))}: ${p}`);
  }

  async visit(path, label, okStatuses = [200]) {
    const status = await this.goto(path);
    const problems = await this.inspect(label);
    if (!okStatuses.includes(status)) problems.push(`${label} ${decodeURI(path)}: answered ${status}`);
    return { status, problems };
  }
}

/**
 * Runs in the page: everything a payload could have left behind. `themeInit` is the text of
 * the site's inline theme script, read from a clean page.
 */
function inspectDocument(themeInit) {
  const problems = [];
  const short = (el) => el.outerHTML.replace(/\s+/g, " ").slice(0, 160);
  const where = (el) => {
    const chain = [];
    for (let e = el.parentElement; e && chain.length < 4; e = e.parentElement) {
      chain.push(e.tagName.toLowerCase() + (e.id ? `#${e.id}` : "") + (e.classList.length ? `.${[...e.classList].join(".")}` : ""));
    }
    return chain.join(" < ");
  };
  for (const el of document.querySelectorAll("[data-xss]")) {
    problems.push(`element with data-xss: ${short(el)} (in ${where(el)})`);
  }
  // Scripts: the inline theme script in <head>, one JSON-LD block in <head>, /static/site.*.js.
  let inline = 0;
  let ld = 0;
  let site = 0;
  for (const s of document.querySelectorAll("script")) {
    const src = s.getAttribute("src");
    const type = (s.getAttribute("type") || "").trim().toLowerCase();
    const inHead = s.parentElement === document.head;
    if (src !== null && /^\/static\/site\.[A-Za-z0-9]+\.js$/.test(src) && !type && s.attributes.length <= 2) {
      site++;
      continue;
    }
    if (src === null && !type && inHead && s.textContent === themeInit && s.attributes.length === 0) {
      inline++;
      continue;
    }
    if (src === null && type === "application/ld+json" && inHead && s.attributes.length === 1) {
      ld++;
      try {
        JSON.parse(s.textContent);
      } catch (e) {
        problems.push(`the JSON-LD block does not parse (${e.message}): ${s.textContent.slice(0, 160)}`);
      }
      continue;
    }
    problems.push(`a script that is not the site's: ${short(s)} (in ${where(s)})`);
  }
  if (inline > 1 || ld > 1 || site > 1) {
    problems.push(`scripts repeated: ${inline} inline theme scripts, ${ld} JSON-LD blocks, ${site} site.js`);
  }
  // Markup that can run code or take the page elsewhere.
  const dangerous =
    "iframe, frame, frameset, object, embed, applet, base, meta[http-equiv], style, portal, " +
    "svg animate, svg set, svg foreignObject, math maction";
  for (const el of document.querySelectorAll(dangerous)) {
    problems.push(`element <${el.tagName.toLowerCase()}>: ${short(el)} (in ${where(el)})`);
  }
  const urlAttrs = new Set([
    "href", "src", "action", "formaction", "xlink:href", "data", "background", "poster",
    "codebase", "dynsrc", "lowsrc", "srcdoc", "ping", "cite", "longdesc", "manifest",
  ]);
  for (const el of document.querySelectorAll("*")) {
    for (const a of el.attributes) {
      const name = a.name.toLowerCase();
      if (name.startsWith("on")) {
        problems.push(`event handler attribute ${name}="${a.value.slice(0, 60)}": ${short(el)} (in ${where(el)})`);
      } else if (urlAttrs.has(name)) {
        const v = a.value.replace(/[\u0000-\u0020\u007f-\u00a0]/g, "").toLowerCase();
        if (name === "srcdoc" || /^(javascript|vbscript|livescript|data):/.test(v)) {
          problems.push(`${name}="${a.value.slice(0, 60)}": ${short(el)} (in ${where(el)})`);
        }
      } else if (name === "style" && /expression\s*\(|javascript:|url\s*\(|behavior|-moz-binding/i.test(a.value)) {
        problems.push(`style="${a.value.slice(0, 60)}": ${short(el)} (in ${where(el)})`);
      }
    }
  }
  // Text that only a template engine evaluating the input would produce.
  const html = document.documentElement.outerHTML;
  for (const marker of ["__tpl49__", "__tplset__", "__tplloop__"]) {
    if (html.includes(marker)) problems.push(`the input was evaluated as a template: «${marker}» is on the page`);
  }
  return problems;
}

// ------------------------------------------------------------------ the XSS corpus

// Each payload, if it ever ran, would call window.__xss(n) (top.__xss(n) inside a frame), and
// if it were ever inserted as markup, would create an element carrying data-xss (or an
// attribute or element the page inspection refuses on its own: handlers, javascript: URLs,
// frames, <base>, <meta http-equiv>, <style>).
const RLO = "\u202e";
const PDF = "\u202c";
const LRI = "\u2066";
const PDI = "\u2069";
const b64 = (s) => Buffer.from(s).toString("base64");
const PAYLOADS = [
  ["script tag", (n) => `<script>__xss(${n})</script>`],
  ["script tag, mixed case, with data-xss", (n) => `<ScRiPt data-xss>__xss(${n})</sCrIpT>`],
  ["script with a data: src", (n) => `<script data-xss src="data:text/javascript,__xss(${n})"></script>`],
  ["img onerror", (n) => `<img src=x onerror=__xss(${n}) data-xss>`],
  ["img onerror, quoted", (n) => `<img src="x" onerror="__xss(${n})" data-xss="1">`],
  ["img onerror, slashes for spaces", (n) => `<img/src=x/onerror=__xss(${n})/data-xss>`],
  ["img onerror, entity-encoded handler", (n) => `<img src=x onerror="&#95;&#95;xss(${n})" data-xss>`],
  ["img srcset onerror", (n) => `<img srcset="x 1x" onerror=__xss(${n}) data-xss>`],
  ["<image> (parsed as img)", (n) => `<image src=x onerror=__xss(${n}) data-xss>`],
  ["svg onload", (n) => `<svg onload=__xss(${n}) data-xss>`],
  ["svg script", (n) => `<svg><script data-xss>__xss(${n})</script></svg>`],
  ["svg animate onbegin", (n) => `<svg><animate onbegin=__xss(${n}) data-xss attributeName=x dur=1s>`],
  ["svg a xlink:href javascript:", (n) => `<svg><a data-xss xlink:href="javascript:__xss(${n})"><text x=9 y=9>x</text></a></svg>`],
  ["svg foreignObject img", (n) => `<svg><foreignObject><img src=x onerror=__xss(${n}) data-xss></foreignObject></svg>`],
  ["math/mglyph/style mutation", (n) => `<math><mtext><table><mglyph><style><img src=x onerror=__xss(${n}) data-xss>`],
  ["noscript mutation", (n) => `<noscript><p title="</noscript><img src=x onerror=__xss(${n}) data-xss>">`],
  ["comment trick", (n) => `<!--<img src="--><img src=x onerror=__xss(${n}) data-xss>">`],
  ["a href javascript:", (n) => `<a href="javascript:__xss(${n})" data-xss>بيان</a>`],
  ["a href JaVaScRiPt:", (n) => `<a href="JaVaScRiPt:__xss(${n})" data-xss>بيان</a>`],
  ["a href entity-encoded javascript:", (n) => `<a href="&#106;avascript:__xss(${n})" data-xss>بيان</a>`],
  ["a href javascript: with a tab", (n) => `<a href="java&#9;script:__xss(${n})" data-xss>بيان</a>`],
  ["a href javascript&colon;", (n) => `<a href="javascript&colon;__xss(${n})" data-xss>بيان</a>`],
  ["a href with a control character", (n) => `<a href="\u0001javascript:__xss(${n})" data-xss>بيان</a>`],
  ["a href data: text/html", (n) => `<a data-xss href="data:text/html;base64,${b64(`<script>opener.__xss(${n})</script>`)}">بيان</a>`],
  ["a with an onclick", (n) => `<a href="https://example.org/" onclick="__xss(${n})" data-xss>بيان</a>`],
  ["b onmouseover (allowed tag, bad attribute)", (n) => `<b onmouseover=__xss(${n}) data-xss>خطة</b>`],
  ["img src javascript:", (n) => `<img src="javascript:__xss(${n})" data-xss>`],
  ["img from the site with onload", (n) => `<img src="/static/favicon.svg" onload=__xss(${n}) data-xss alt="">`],
  ["iframe src javascript:", (n) => `<iframe src="javascript:top.__xss(${n})" data-xss></iframe>`],
  ["iframe srcdoc", (n) => `<iframe srcdoc="<script>top.__xss(${n})</script>" data-xss></iframe>`],
  ["iframe srcdoc, escaped markup", (n) => `<iframe data-xss srcdoc="&lt;img src=x onerror=top.__xss(${n})&gt;"></iframe>`],
  ["object data javascript:", (n) => `<object data="javascript:top.__xss(${n})" data-xss></object>`],
  ["object data: text/html", (n) => `<object data-xss data="data:text/html,<script>top.__xss(${n})</script>"></object>`],
  ["embed data: text/html", (n) => `<embed data-xss src="data:text/html;base64,${b64(`<script>top.__xss(${n})</script>`)}">`],
  ["body onload", (n) => `<body onload=__xss(${n}) data-xss>`],
  ["input autofocus onfocus", (n) => `<input autofocus onfocus=__xss(${n}) data-xss>`],
  ["select autofocus onfocus", (n) => `<select autofocus onfocus=__xss(${n}) data-xss></select>`],
  ["textarea autofocus onfocus", (n) => `<textarea autofocus onfocus=__xss(${n}) data-xss></textarea>`],
  ["details open ontoggle", (n) => `<details open ontoggle=__xss(${n}) data-xss><summary>x</summary></details>`],
  ["video source onerror", (n) => `<video><source onerror=__xss(${n}) data-xss></video>`],
  ["audio onerror", (n) => `<audio src=x onerror=__xss(${n}) data-xss></audio>`],
  ["marquee onstart", (n) => `<marquee onstart=__xss(${n}) data-xss>مداد</marquee>`],
  ["form action javascript:", (n) => `<form action="javascript:__xss(${n})" data-xss><button>أرسل</button></form>`],
  ["button formaction javascript:", (n) => `<form><button formaction="javascript:__xss(${n})" data-xss>أرسل</button></form>`],
  ["table td background and handler", (n) => `<table><tr><td background="javascript:__xss(${n})" onmouseover=__xss(${n}) data-xss>خلية</td></tr></table>`],
  ["style attribute url(javascript:)", (n) => `<div style="background:url(javascript:__xss(${n}))" data-xss>نص</div>`],
  ["style attribute expression()", (n) => `<p style="width:expression(__xss(${n}))" data-xss>نص</p>`],
  ["style attribute on an allowed tag", (n) => `<i style="background-image:url('javascript:__xss(${n})')" data-xss>Green</i>`],
  ["style block with url(javascript:)", (n) => `<style data-xss>body{background:url("javascript:__xss(${n})")}</style>`],
  ["style block @import", (n) => `<style data-xss>@import 'javascript:__xss(${n})';</style>`],
  ["meta refresh to javascript:", (n) => `<meta http-equiv="refresh" content="0;url=javascript:__xss(${n})" data-xss>`],
  ["meta refresh to data:", (n) => `<meta data-xss http-equiv="refresh" content="0;url=data:text/html;base64,${b64(`<script>__xss(${n})</script>`)}">`],
  ["base href javascript:", (n) => `<base href="javascript:__xss(${n})//" data-xss>`],
  ["base href to another host", (n) => `<base href="//example.invalid/" data-xss>`],
  ["link rel=stylesheet javascript:", (n) => `<link rel=stylesheet href="javascript:__xss(${n})" data-xss>`],
  ["nested script in script", (n) => `<scr<script>ipt>__xss(${n})</scr</script>ipt>`],
  ["doubled angle brackets", (n) => `<<script>script>__xss(${n})<</script>/script>`],
  ["unclosed img", (n) => `<img src=x onerror=__xss(${n}) data-xss `],
  ["attribute breakout, double quote", (n) => `"><script>__xss(${n})</script>`],
  ["attribute breakout, single quote", (n) => `'><img src=x onerror=__xss(${n}) data-xss>`],
  ["attribute injection, double quote", (n) => `" autofocus onfocus="__xss(${n})" data-xss="`],
  ["attribute injection, single quote", (n) => `' autofocus onfocus='__xss(${n})' data-xss='`],
  ["attribute injection, unquoted", (n) => `x autofocus onfocus=__xss(${n}) data-xss`],
  ["</textarea> breakout", (n) => `</textarea><script>__xss(${n})</script>`],
  ["</textarea> breakout with img", (n) => `</textarea><img src=x onerror=__xss(${n}) data-xss>`],
  ["</title> breakout", (n) => `</title><script>__xss(${n})</script>`],
  ["</title> breakout with img", (n) => `</title><img src=x onerror=__xss(${n}) data-xss>`],
  ["</script> breakout (JSON-LD)", (n) => `</script><script>__xss(${n})</script>`],
  ["</script> breakout with img", (n) => `</script><img src=x onerror=__xss(${n}) data-xss>`],
  ["</option></select> breakout", (n) => `</option></select><img src=x onerror=__xss(${n}) data-xss>`],
  ["</style> breakout", (n) => `</style><img src=x onerror=__xss(${n}) data-xss>`],
  ["<xmp> raw text", (n) => `<xmp><img src=x onerror=__xss(${n}) data-xss></xmp>`],
  ["RLO override around an img", (n) => `${RLO}<img src=x onerror=__xss(${n}) data-xss>${PDF}`],
  ["LRI isolate around a script", (n) => `${LRI}<script>__xss(${n})</script>${PDI} مرحبا`],
  ["Arabic text, RLO, attribute breakout", (n) => `عنوان ${RLO}"><svg onload=__xss(${n}) data-xss>`],
  ["RLO inside javascript:", (n) => `<a href="java${RLO}script:__xss(${n})" data-xss>رابط</a>`],
  ["template expression", (n) => `__tpl{{7*7}}__ <b data-xss="${n}">{{7*7}}</b>`],
  ["template markup through safe", (n) => `{{ '<img src=x onerror=__xss(${n}) data-xss>' | safe }}`],
  ["template statement", (n) => `{% set x = "tpl" %}__{{ x }}set__{% for i in [1] %}<svg onload=__xss(${n}) data-xss>{% endfor %}`],
  ["template loop", (n) => `{% for i in [1] %}__tpl{{ 'loop' }}__{% endfor %}<b data-xss="${n}">x</b>`],
  ["JS template literal", (n) => `\${__xss(${n})}<b data-xss="${n}">x</b>`],
];

const TEXT_FIELDS = ["title", "subtitle", "excerpt", "body_html", "tags", "source", "slug", "seo_title", "seo_description"];
const MEDIA_FIELDS = ["alt", "caption", "credit"];
/** What a field holds when it does not carry the payload. */
const SAFE = {
  title: "مقال اختبار",
  subtitle: "عنوان فرعي للاختبار",
  excerpt: "موجز المقال",
  body_html: "<p>نص المقال.</p>",
  tags: "اختبار",
  source: "مداد",
  slug: "",
  seo_title: "",
  seo_description: "",
  alt: "صورة اختبار",
  caption: "تعليق الصورة",
  credit: "مداد",
};
/** Refusal messages and the fields they point to. */
const REFUSAL_FIELDS = [
  [/العنوان/, ["title"]],
  [/نص المادة/, ["body_html"]],
  [/الرابط المختصر/, ["slug"]],
  [/الاسم/, ["tags"]],
  [/النص أطول/, ["subtitle", "excerpt", "source", "seo_title", "seo_description"]],
];

// ------------------------------------------------------------------ the checks

let themeInit = "";

async function main() {
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });

  // The site's own inline script, read from a clean page: the inspection's reference.
  {
    const context = await newContext();
    const page = await context.newPage();
    const res = await page.goto(BASE + "/");
    assert(res && res.ok(), `home page answered ${res && res.status()}`);
    themeInit = await page.$eval("head script:not([src]):not([type])", (s) => s.textContent);
    await context.close();
  }

  const admin = await newContext();
  const page = await admin.newPage();
  const adminErrors = [];
  page.on("pageerror", (e) => adminErrors.push(e.message));
  const token = Array.from({ length: 6 }, () => "abcdefghijklmnopqrstuvwxyz"[Math.floor(Math.random() * 26)]).join("");
  console.log(`# base ${BASE}; run ${token}; ${PAYLOADS.length} XSS payloads`);

  // a. Sign in through the form.
  const signedIn = await check("a. sign in through the form", async () => {
    await signIn(page);
    const h1 = (await page.textContent("main h1")).trim();
    const cookies = await admin.cookies();
    const session = cookies.find((c) => c.name === "midad_session");
    assert(session, "no midad_session cookie after signing in");
    assert(session.httpOnly, "the session cookie is not HttpOnly");
    assert(ARABIC.test(h1), `dashboard heading «${h1}»`);
    return `landed on ${new URL(page.url()).pathname}, «${h1}», cookie HttpOnly SameSite=${session.sameSite}`;
  });
  if (!signedIn) throw new Error("cannot go on without signing in");

  // b. Upload a real JPEG with a caption.
  const photo = { caption: `صورة الاختبار ${token}: محطة طاقة شمسية`, alt: "ألواح شمسية في الصحراء", credit: "تصوير: فريق مداد" };
  await check("b. upload a JPEG (1600×1000) through the media form; it appears in the library", async () => {
    await page.goto(BASE + "/admin/media");
    const before = new Set(await libraryIds(page));
    const bytes = await makeJpeg(page, 1600, 1000, "مداد", 7);
    const file = join(ARTIFACTS, "admin-upload.jpg");
    writeFileSync(file, bytes);
    await page.setInputFiles("#file", file);
    await page.fill("#alt", photo.alt);
    await page.fill("#caption", photo.caption);
    await page.fill("#credit", photo.credit);
    const status = await submit(page, 'form[action="/admin/media"] button[type="submit"]');
    assert(status === 303, `the upload answered ${status}: ${await refusalText(page)}`);
    assert(new URL(page.url()).pathname === "/admin/media", `landed on ${page.url()}`);
    const added = (await libraryIds(page)).filter((id) => !before.has(id));
    assert(added.length === 1, `${added.length} new items in the library`);
    photo.id = added[0];
    const item = page.locator(".media-grid li", { has: page.locator(`form[action="/admin/media/${photo.id}/delete"]`) });
    const caption = (await item.locator("p[dir=auto]").textContent()).trim();
    assert(caption === photo.caption, `caption shown «${caption}»`);
    const img = item.locator("img");
    await img.scrollIntoViewIfNeeded();
    await page.waitForFunction((el) => el.complete, await img.elementHandle());
    const size = await img.evaluate((el) => `${el.naturalWidth}×${el.naturalHeight}`);
    assert(size === "1600×1000", `library image ${size}`);
    const meta = (await item.locator("p.meta").first().textContent()).trim();
    photo.path = meta.split(" ")[0];
    return `${bytes.length} bytes; media #${photo.id} ${meta}; caption «${caption}»`;
  });

  // c. Write an Arabic article and schedule it for the next minute.
  const story = {
    title: `الوزارة تعلن خطة جديدة للطاقة النظيفة ${token}`,
    subtitle: "خطة تمتد عشر سنوات وتشمل المدن الكبرى",
    excerpt: "أعلنت الوزارة خطة جديدة للطاقة النظيفة باسم Green Deal.",
    body: '<p>أعلنت الوزارة <b>خطة</b> جديدة باسم <i>Green Deal</i> في <a href="https://example.org/x">بيان</a> اليوم.</p>' +
      "<p>وقال الوزير إن الخطة تشمل <strong>ألواحًا شمسية</strong> على أسطح المدارس.</p>",
    tags: ["طاقة نظيفة", `خطة ${token}`],
    source: "وكالة الأنباء الرسمية",
    slug: `green-deal-${token}`,
  };
  const anon = await newContext();
  const reader = await anon.newPage();
  await check("c. write an Arabic article with the photo and schedule it for the next minute", async () => {
    assert(photo.id, "no uploaded photo to use");
    await page.goto(BASE + "/admin/articles/new");
    const label = (await page.textContent('label[for="publish_at"]')).trim();
    const tz = (/\(([^)]+)\)\s*$/.exec(label) || [])[1] || "UTC";
    await page.fill("#title", story.title);
    await page.fill("#subtitle", story.subtitle);
    await page.fill("#excerpt", story.excerpt);
    await page.fill("#body_html", story.body);
    const section = await page.$$eval("#section option", (os) => os.filter((o) => o.value).map((o) => [o.value, o.textContent.trim()])[0]);
    assert(section, "no section to choose");
    story.section = section[1];
    await page.selectOption("#section", section[0]);
    await page.selectOption("#image", photo.id);
    await page.fill("#tags", story.tags.join("، "));
    await page.fill("#source", story.source);
    await page.fill("#slug", story.slug);
    await page.fill("#seo_title", `${story.title} — تفاصيل`);
    await page.fill("#seo_description", "تفاصيل خطة الطاقة النظيفة الجديدة.");
    // The next whole minute, at least 20 s away so that the form reaches the server in time.
    let at = Math.floor(Date.now() / 60_000) * 60_000 + 60_000;
    if (at - Date.now() < 20_000) at += 60_000;
    story.at = at;
    story.local = localMinute(new Date(at), tz);
    await page.fill("#publish_at", story.local);
    const status = await submit(page, 'button[name="action"][value="schedule"]');
    assert(status === 303, `scheduling answered ${status}: ${await refusalText(page)}`);
    const m = /^\/admin\/articles\/(\d+)$/.exec(new URL(page.url()).pathname);
    assert(m, `landed on ${page.url()}`);
    story.id = m[1];
    const statusLine = (await page.textContent("main p.meta")).trim();
    story.slug = await page.inputValue("#slug");
    assert((await page.inputValue("#publish_at")) === story.local, `publish_at now ${await page.inputValue("#publish_at")}`);
    story.url = `/article/${story.id}/${story.slug}`;
    return `article #${story.id} scheduled for ${story.local} (${tz}); «${statusLine}»; public URL ${story.url}`;
  });

  await check("c. not public before its time, on the home page within 30 s of it", async () => {
    assert(story.at && story.id, "nothing was scheduled");
    let seen = null;
    let early = null;
    let polls = 0;
    let articleStatusBefore = null;
    while (Date.now() < story.at + SCHEDULE_GRACE_MS) {
      const home = await anon.request.get(BASE + "/", { timeout: TIMEOUT });
      const text = await home.text();
      const art = await anon.request.get(BASE + story.url, { timeout: TIMEOUT, maxRedirects: 0 });
      const now = Date.now();
      polls++;
      const listed = text.includes(story.title);
      if (now < story.at && (listed || art.status() !== 404)) {
        early = `${((story.at - now) / 1000).toFixed(1)} s before its time: home ${listed ? "lists it" : "does not list it"}, article URL ${art.status()}`;
        break;
      }
      if (now < story.at && articleStatusBefore === null) articleStatusBefore = art.status();
      if (listed) {
        seen = { at: now, article: art.status() };
        break;
      }
      await sleep(1000);
    }
    assert(!early, `public too early: ${early}`);
    assert(articleStatusBefore === 404, `before its time the article URL answered ${articleStatusBefore}`);
    assert(seen, `the home page did not list «${story.title}» within ${SCHEDULE_GRACE_MS / 1000} s of ${new Date(story.at).toISOString()}`);
    assert(seen.article === 200, `listed on the home page but its URL answered ${seen.article}`);
    return `404 and absent from the home page before ${new Date(story.at).toISOString()}; listed ${((seen.at - story.at) / 1000).toFixed(1)} s after it (${polls} polls)`;
  });

  await check("c. the public article keeps the formatting, the link, the photo, the source and the tags", async () => {
    assert(story.id, "nothing was scheduled");
    const res = await reader.goto(BASE + story.url);
    assert(res && res.status() === 200, `the article answered ${res && res.status()}`);
    const title = (await reader.textContent(".story-title")).trim();
    assert(title === story.title, `title «${title}»`);
    const bold = await reader.$$eval(".story-body strong, .story-body b", (els) => els.map((e) => e.textContent.trim()));
    assert(bold.includes("خطة"), `bold words: ${JSON.stringify(bold)}`);
    const links = await reader.$$eval(".story-body a", (as) => as.map((a) => [a.getAttribute("href"), a.textContent.trim()]));
    assert(links.some(([h, t]) => h === "https://example.org/x" && t === "بيان"), `links in the body: ${JSON.stringify(links)}`);
    const body = await reader.textContent(".story-body");
    assert(body.includes("Green Deal"), "«Green Deal» is not in the body");
    const italic = await reader.$$eval(".story-body i, .story-body em", (els) => els.map((e) => e.textContent.trim()));
    assert(italic.includes("Green Deal"), `italic words: ${JSON.stringify(italic)}`);
    const line = await reader.$eval(".story-body p", (p) => p.textContent.trim());
    assert(line === "أعلنت الوزارة خطة جديدة باسم Green Deal في بيان اليوم.", `first paragraph «${line}»`);
    const img = reader.locator("figure.story-image img");
    assert((await img.count()) === 1, "no image in the article's figure");
    await img.scrollIntoViewIfNeeded();
    await reader.waitForFunction((el) => el.complete, await img.elementHandle());
    const info = await img.evaluate((el) => ({
      natural: el.naturalWidth,
      srcset: el.getAttribute("srcset") || "",
      current: el.currentSrc,
      alt: el.getAttribute("alt"),
      webp: el.parentElement.querySelector("source")?.getAttribute("srcset") || "",
    }));
    assert(info.natural > 0, `naturalWidth ${info.natural} (${info.current})`);
    assert(info.srcset.includes(" 320w") || /\d+w/.test(info.srcset), `srcset «${info.srcset}»`);
    assert(info.current.startsWith(ORIGIN + "/"), `image loaded from ${info.current}`);
    const figcaption = (await reader.textContent("figure.story-image figcaption")).trim();
    assert(figcaption.includes(photo.caption), `figcaption «${figcaption}»`);
    assert(figcaption.includes(photo.credit), `no credit in «${figcaption}»`);
    const source = (await reader.textContent(".source")).trim();
    assert(source.includes(story.source), `source line «${source}»`);
    const tags = await reader.$$eval(".tags a[rel=tag]", (as) => as.map((a) => a.textContent.trim()));
    for (const t of story.tags) assert(tags.includes(t), `tags shown ${JSON.stringify(tags)}, missing «${t}»`);
    const kicker = await reader.textContent(".breadcrumb").catch(() => "");
    assert(kicker.includes(story.section), `the breadcrumb does not name the section «${story.section}»`);
    await reader.evaluate(() => window.scrollTo(0, 0));
    const file = join(ARTIFACTS, "admin-public-article.png");
    await reader.screenshot({ path: file, fullPage: true });
    return `bold «خطة», link https://example.org/x, «Green Deal» in <i>, image ${info.natural}px wide from ${info.current.replace(ORIGIN, "")} (srcset ${info.srcset.split(",").length} widths), source, ${tags.length} tags; ${file}`;
  });

  // e. Screenshots of the back office.
  await check("e. screenshots of the editor, the dashboard and the media library", async () => {
    const saved = [];
    if (story.id) {
      await page.goto(BASE + `/admin/articles/${story.id}`);
      saved.push(join(ARTIFACTS, "admin-editor.png"));
      await page.screenshot({ path: saved.at(-1), fullPage: true });
    }
    await page.goto(BASE + "/admin");
    const listed = await page.textContent("main");
    saved.push(join(ARTIFACTS, "admin-dashboard.png"));
    await page.screenshot({ path: saved.at(-1), fullPage: true });
    await page.goto(BASE + "/admin/media");
    saved.push(join(ARTIFACTS, "admin-media.png"));
    await page.screenshot({ path: saved.at(-1), fullPage: false });
    assert(!story.id || listed.includes(story.title), "the dashboard does not list the article");
    assert(story.id, "no article to show in the editor");
    return saved.join(", ");
  });
  if (adminErrors.length) report("back office pages without JavaScript errors", false, adminErrors.join(" | "));
  await anon.close();

  // d. The XSS corpus through every field.
  await xssChecks(admin);
  await admin.close();
}

// ------------------------------------------------------------------ d. XSS

/** Uploads a small JPEG with the given alt/caption/credit; returns { id, refused, problems }. */
async function uploadWith(w, values, seed) {
  const page = w.page;
  const out = { id: null, refused: [], problems: [], statuses: [] };
  await w.goto("/admin/media");
  const bytes = await makeJpeg(page, 300, 200, String(seed), seed * 7919 + 13);
  // The stored name keeps the file's name: the item is found by it, whatever else is uploaded
  // at the same time.
  const name = `xss-${seed}-${SALT}`;
  let current = { ...values };
  for (let attempt = 0; attempt < 2; attempt++) {
    await page.setInputFiles("#file", { name: `${name}.jpg`, mimeType: "image/jpeg", buffer: bytes });
    for (const f of MEDIA_FIELDS) await page.fill(`#${f}`, current[f]);
    w.reset();
    const status = await submit(page, 'form[action="/admin/media"] button[type="submit"]');
    out.statuses.push(status);
    out.problems.push(...(await w.inspect(status === 303 ? "media library after the upload" : `upload refused (${status})`)));
    if (status === 303) break;
    if (status !== 422) {
      out.problems.push(`the upload answered ${status}`);
      return out;
    }
    out.refused.push(...MEDIA_FIELDS.filter((f) => current[f] !== SAFE[f]));
    out.refusal = await refusalText(page);
    current = { ...SAFE };
  }
  out.id = await page.$$eval(
    ".media-grid li",
    (items, name) => {
      const item = items.find((li) => (li.querySelector("p.meta")?.textContent || "").includes(`-${name}.`));
      const form = item && item.querySelector('form[action$="/delete"]');
      return form ? form.getAttribute("action").split("/")[3] : null;
    },
    name,
  );
  if (!out.id) out.problems.push(`the upload ${name}.jpg is not in the library`);
  return out;
}

/**
 * Writes and publishes an article with `values` through the editor. A refusal (422) is
 * inspected like any page, then the fields it points to are given safe values, one at a
 * time, until the article is accepted. Returns { id, url, refused, problems }.
 */
async function publishWith(w, values, imageId, refuseFirst = false) {
  const page = w.page;
  const out = { id: null, url: null, refused: [], refusals: [], problems: [] };
  await w.goto("/admin/articles/new");
  const fill = async (v) => {
    for (const f of TEXT_FIELDS) await page.fill(`#${f}`, v[f]);
  };
  await fill(values);
  const section = await page.$$eval("#section option", (os) => os.filter((o) => o.value).map((o) => o.value)[0]);
  if (section) await page.selectOption("#section", section);
  if (imageId) await page.selectOption("#image", imageId);
  for (const box of ["breaking", "featured"]) {
    if (await page.$(`input[name="${box}"]`)) await page.check(`input[name="${box}"]`);
  }
  // First a refusal on purpose (schedule without a time): the form comes back with what was
  // typed, not with what was stored, and that page must be as clean as the others.
  if (refuseFirst) {
    await page.fill("#publish_at", "");
    w.reset();
    const status = await submit(page, 'button[name="action"][value="schedule"]');
    out.problems.push(...(await w.inspect(`editor refusal (${status}, schedule without a time)`)));
    const said = await refusalText(page);
    if (status !== 422) out.problems.push(`scheduling without a time answered ${status}, expected 422`);
    else if (!ARABIC.test(said)) out.problems.push(`the refusal says «${said}», not an Arabic message`);
    else out.refusedOnPurpose = true;
  }
  const untried = TEXT_FIELDS.filter((f) => values[f] !== SAFE[f]);
  for (let attempt = 0; attempt <= TEXT_FIELDS.length; attempt++) {
    w.reset();
    const status = await submit(page, 'button[name="action"][value="publish"]');
    const accepted = status === 303;
    out.problems.push(...(await w.inspect(accepted ? "editor after publishing" : `editor refusal (${status})`)));
    if (accepted) break;
    if (status !== 422) {
      out.problems.push(`publishing answered ${status}`);
      return out;
    }
    const text = await refusalText(page);
    out.refusals.push(text);
    // The field the message names first, else the next field that still carries the payload.
    let field = null;
    for (const [re, fields] of REFUSAL_FIELDS) {
      if (re.test(text)) field = fields.find((f) => untried.includes(f));
      if (field) break;
    }
    field = field || untried[0];
    if (!field) {
      out.problems.push(`refused (${text}) with every field safe`);
      return out;
    }
    untried.splice(untried.indexOf(field), 1);
    out.refused.push(field);
    // The refusal page keeps the rest of the form as typed.
    await page.fill(`#${field}`, SAFE[field]);
  }
  const m = /^\/admin\/articles\/(\d+)$/.exec(new URL(page.url()).pathname);
  if (!m) {
    out.problems.push(`publishing ended on ${page.url()}`);
    return out;
  }
  out.id = m[1];
  out.url = await page.getAttribute('main a[href^="/article/"]', "href").catch(() => null);
  if (!out.url) out.problems.push("the editor of a published article shows no link to it");
  out.revisions = await page.$$eval('main a[href*="/revisions/"]', (as) => as.map((a) => a.getAttribute("href")));
  // The stored text comes back into the form as it was typed (no double escaping).
  for (const f of ["title", "subtitle", "excerpt", "source", "seo_title", "seo_description"]) {
    if (out.refused.includes(f)) continue;
    const now = await page.inputValue(`#${f}`);
    if (normal(now) !== normal(values[f])) {
      out.problems.push(`the editor shows ${f} as «${shown(now, 80)}» after saving «${shown(values[f], 80)}»`);
    }
  }
  return out;
}

/** A failed sign-in with `text` as the address: the refusal shows the address again. */
async function signInRefusal(w, text) {
  await w.goto("/admin/login");
  await w.page.evaluate((v) => {
    // type=email would refuse most payloads in the browser: the server must cope anyway.
    document.querySelector("#email").type = "text";
    document.querySelector("#email").value = v;
  }, text);
  await w.page.fill("#password", "not the password");
  w.reset();
  const status = await submit(w.page, 'form[action="/admin/login"] button[type="submit"]');
  const problems = await w.inspect(`sign-in refusal (${status})`);
  if (![401, 429].includes(status)) problems.push(`a failed sign-in answered ${status}`);
  return problems;
}

/** The values of every field for payload `p` (number `n`). */
function payloadValues(text) {
  const v = {};
  for (const f of [...TEXT_FIELDS, ...MEDIA_FIELDS]) v[f] = text;
  // The body keeps a paragraph of its own, so that a payload the sanitiser removes entirely
  // still leaves a body to publish.
  v.body_html = `<p>مقدمة المقال.</p>${text}`;
  return v;
}

async function visitArticle(reader, url, title) {
  const problems = [];
  const art = await reader.visit(url, "public article");
  problems.push(...art.problems);
  if (title !== undefined) {
    const shownTitle = await reader.page.textContent(".story-title").catch(() => null);
    if (shownTitle === null || normal(shownTitle) !== normal(title)) {
      problems.push(`public article: the title reads «${shown(shownTitle || "", 80)}», typed «${shown(title, 80)}»`);
    }
  }
  const tag = await reader.page.getAttribute(".tags a[rel=tag]", "href").catch(() => null);
  if (tag) problems.push(...(await reader.visit(tag, "tag page")).problems);
  return problems;
}

async function xssChecks(admin) {
  const storage = await admin.storageState();
  // Two lanes work through a group's payloads side by side (each its own pages), to keep the
  // run short; the shared pages are visited by the first lane once the group is in.
  const lanes = [];
  for (let i = 0; i < LANES; i++) {
    lanes.push({ editor: await Watcher.create({ storageState: storage }), reader: await Watcher.create({}) });
  }
  const { editor, reader } = lanes[0];

  // The inspection must find nothing on clean pages, or every finding below is noise.
  const baseline = await check("d. baseline: clean pages pass the page inspection", async () => {
    const problems = [];
    for (const [w, path, label] of [
      [reader, "/", "home"],
      [reader, "/search?q=" + encodeURIComponent("الطاقة"), "search"],
      [editor, "/admin", "dashboard"],
      [editor, "/admin/articles", "article list"],
      [editor, "/admin/articles/new", "new article"],
      [editor, "/admin/media", "media library"],
      [editor, "/admin/audit", "audit log"],
    ]) {
      problems.push(...(await w.visit(path, label)).problems);
    }
    const art = await reader.page.$eval('main a[href^="/article/"]', (a) => a.getAttribute("href"));
    problems.push(...(await reader.visit(art, "public article")).problems);
    assert(problems.length === 0, problems.join(" | "));
    return "home, search, a public article, dashboard, article list, editor, media library and audit log";
  });
  if (!baseline) {
    report("d. XSS corpus", false, "skipped: the inspection is not clean on clean pages");
    return;
  }
  // And it must see a payload that does get in: planted by hand into a clean page.
  const selfTest = await check("d. self-test: the inspection catches a payload planted in a page", async () => {
    await reader.goto("/");
    await reader.page.evaluate(() => {
      document.querySelector("main").insertAdjacentHTML("beforeend", '<img src=x onerror="__xss(0)" data-xss>');
      const s = document.createElement("script");
      s.textContent = "__xss(-1); alert('xss')";
      document.body.append(s);
      const f = document.createElement("iframe");
      f.srcdoc = "<script>top.__xss(-2)<\/script>";
      document.body.append(f);
    });
    const problems = await reader.inspect("planted");
    await reader.goto("/");
    const want = [/__xss\(0\) was called/, /__xss\(-1\) was called/, /__xss\(-2\) was called/, /element with data-xss/,
      /a script that is not the site's/, /event handler attribute onerror/, /element <iframe>/, /srcdoc=/, /dialog \(alert\)/];
    const missed = want.filter((re) => !problems.some((p) => re.test(p)));
    assert(missed.length === 0, `not caught: ${missed.join(", ")}; found: ${problems.join(" | ")}`);
    return `${problems.length} findings, all expected`;
  });
  if (!selfTest) return;

  const failing = [];
  const refusedCount = {};
  const tally = { articles: 0, uploads: 0, visits: 0, refusals: 0 };
  // MIDAD_XSS_ONLY=12,40 runs those payloads alone (when tracing a finding by hand).
  const only = (process.env.MIDAD_XSS_ONLY || "").split(",").map(Number).filter(Boolean);
  const corpus = PAYLOADS.map(([label, make], i) => [i + 1, label, make]).filter(([n]) => !only.length || only.includes(n));
  for (let g = 0; g < corpus.length; g += GROUP) {
    const group = corpus.slice(g, g + GROUP).map(([n, label, make]) => ({ n, label, text: make(n) }));
    const queue = [...group];
    const work = async ({ editor, reader }) => {
      for (let p = queue.shift(); p; p = queue.shift()) await runPayload(p, editor, reader);
    };
    const runPayload = async (p, editor, reader) => {
      p.problems = [];
      try {
        const values = payloadValues(p.text);
        const up = await uploadWith(editor, values, p.n);
        tally.uploads++;
        p.problems.push(...up.problems);
        const pub = await publishWith(editor, values, up.id, true);
        tally.articles++;
        if (pub.refusedOnPurpose) tally.refusals++;
        p.problems.push(...pub.problems);
        p.refused = [...pub.refused, ...up.refused];
        p.refusals = [...pub.refusals, ...(up.refusal ? [up.refusal] : [])];
        p.id = pub.id;
        if (pub.url) p.problems.push(...(await visitArticle(reader, pub.url, pub.refused.includes("title") ? undefined : values.title)));
        if (pub.id) {
          // The back office's own views of the article: its preview and its first revision.
          p.problems.push(...(await editor.visit(`/admin/articles/${pub.id}/preview`, "preview")).problems);
          if (pub.revisions.length) p.problems.push(...(await editor.visit(pub.revisions.at(-1), "revision")).problems);
        }
        // The query itself, reflected on the search page.
        p.problems.push(...(await reader.visit("/search?q=" + encodeURIComponent(p.text), "search for the payload")).problems);
        // The address typed into the sign-in form, shown again with the refusal.
        p.problems.push(...(await signInRefusal(reader, p.text)));
        tally.visits += 9;
      } catch (e) {
        p.problems.push(`the run broke: ${e && e.message ? e.message.split("\n")[0] : e}`);
      }
    };
    await Promise.all(lanes.map(work));
    // The pages that list several items: checked once the group is in.
    const shared = [];
    for (const [w, path, label] of [
      [reader, "/", "home"],
      [reader, "/search?q=xss", "search"],
      [editor, "/admin", "dashboard"],
      [editor, "/admin/articles", "article list"],
      [editor, "/admin/articles/new", "new article (media choices)"],
      [editor, "/admin/media", "media library"],
      // The failed sign-ins (with the payloads as addresses) are in the log.
      [editor, "/admin/audit", "audit log"],
    ]) {
      try {
        shared.push(...(await w.visit(path, label)).problems);
        tally.visits++;
      } catch (e) {
        shared.push(`${label}: the visit broke: ${e.message.split("\n")[0]}`);
      }
    }
    for (const p of group) {
      // A shared page's finding belongs to the payloads it names (n, or data-xss-n).
      const mine = shared.filter((s) => new RegExp(`__xss\\(${p.n}\\)|data-xss="${p.n}"`).test(s));
      const problems = [...p.problems, ...mine];
      const refused = p.refused && p.refused.length ? `; refused (422, page clean) in ${p.refused.join(", ")}: «${[...new Set(p.refusals)].join(" / ").slice(0, 120)}»` : "";
      for (const f of p.refused || []) refusedCount[f] = (refusedCount[f] || 0) + 1;
      const name = `d. payload ${String(p.n).padStart(2, "0")} ${p.label}: ${shown(p.text, 70)}`;
      if (problems.length) {
        failing.push(p);
        p.all = problems;
        report(name, false, `article #${p.id}${refused}; ${problems.slice(0, 6).join(" | ")}${problems.length > 6 ? ` | … ${problems.length - 6} more` : ""}`);
      } else {
        report(name, true, `article #${p.id}, ${TEXT_FIELDS.length} fields + ${MEDIA_FIELDS.length} media fields${refused}`);
      }
    }
    // Findings on shared pages that name no payload of this group.
    const orphans = shared.filter((s) => !group.some((p) => new RegExp(`__xss\\(${p.n}\\)|data-xss="${p.n}"`).test(s)));
    if (orphans.length) {
      report(`d. shared pages after payloads ${group[0].n}–${group.at(-1).n}`, false, orphans.slice(0, 8).join(" | "));
    }
  }

  report(
    "d. XSS corpus summary",
    failing.length === 0,
    `${corpus.length} payloads × (${TEXT_FIELDS.length} editor fields + ${MEDIA_FIELDS.length} media fields); ${tally.articles} articles (each refused once on purpose first: ${tally.refusals} refusal pages), ${tally.uploads} uploads, ${tally.visits} page visits, ${corpus.length} sign-in refusals; refusals by field: ${JSON.stringify(refusedCount)}; ${failing.length} payloads got through${failing.length ? `: ${failing.map((p) => p.n).join(", ")}` : ""}`,
  );

  // Which field lets a failing payload through: one article per field, the others safe.
  for (const p of failing.slice(0, MAX_TRACED)) {
    await check(`d. trace payload ${p.n} to its field`, async () => {
      const through = [];
      for (const field of [...TEXT_FIELDS, ...MEDIA_FIELDS]) {
        const values = { ...SAFE, title: `${SAFE.title} ${p.n} ${field}` };
        values[field] = field === "body_html" ? payloadValues(p.text).body_html : p.text;
        const up = await uploadWith(editor, values, 1000 + p.n * 20 + [...TEXT_FIELDS, ...MEDIA_FIELDS].indexOf(field));
        const pub = await publishWith(editor, values, up.id);
        const problems = [...up.problems, ...pub.problems];
        if (pub.url) problems.push(...(await visitArticle(reader, pub.url)));
        for (const [w, path, label] of [
          [reader, "/", "home"],
          [editor, "/admin", "dashboard"],
          [editor, "/admin/articles", "article list"],
          [editor, "/admin/media", "media library"],
        ]) {
          problems.push(...(await w.visit(path, label)).problems);
        }
        if (problems.length) through.push(`${field}: ${problems.slice(0, 3).join(" | ")}`);
      }
      return { ok: false, detail: through.length ? through.join(" || ") : "no single field reproduces it (it needs several fields together)" };
    });
  }
  for (const lane of lanes) {
    await lane.editor.context.close();
    await lane.reader.context.close();
  }
}

let fatal = null;
try {
  await main();
} catch (e) {
  fatal = e;
  report("admin browser run", false, e && e.stack ? e.stack : String(e));
} finally {
  if (browser) await browser.close().catch(() => {});
}

const failed = results.filter((r) => !r.ok).length;
console.log(`${results.length - failed} passed, ${failed} failed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
process.exit(failed || fatal ? 1 : 0);
