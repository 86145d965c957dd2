// Checks Midad's back office in real headless Chromium (Debian's /usr/bin/chromium).
//
//   node tests/browser/admin.mjs BASE_URL ARTIFACTS_DIR OWNER_EMAIL OWNER_PASSWORD
//
// BASE_URL is a running Midad with the demo content (`midad serve --demo`) and an owner
// account. The script signs in through the form, uploads a photo, writes and schedules an
// Arabic article and watches it go live, then works the block editor (editor.js): an article
// written with its toolbar and the keyboard and published, pastes from Google Docs and Word,
// the autosave and its restore; then it pushes a corpus of XSS payloads through every text
// field of the editor and of the media library (the body through the editor's «HTML source»
// view, and pasted into the editor) and looks for any of them running or being inserted as
// markup on the public and the back-office pages. Prints one line per check, PASS or FAIL with a
// detail, saves screenshots into ARTIFACTS_DIR, and exits non-zero when any check failed.
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

// ------------------------------------------------------------------ the block editor

/**
 * Puts raw HTML into the article body through the editor's «HTML source» view (the textarea
 * the form posts, shown instead of the block editor), as an editor would type markup by hand.
 * Without the editor script the textarea is visible and filled directly.
 */
async function setBody(page, html) {
  const toggle = page.locator('.editor-toolbar button[data-command="html"]');
  if ((await toggle.count()) && (await toggle.getAttribute("aria-pressed")) !== "true") await toggle.click();
  await page.fill("#body_html", html);
}

/** A real paste into the editor's surface: a ClipboardEvent carrying a DataTransfer. */
async function pasteInto(page, { html, text }) {
  return page.evaluate(({ html, text }) => {
    const surface = document.querySelector(".editor-surface");
    surface.focus();
    const data = new DataTransfer();
    if (html !== undefined) data.setData("text/html", html);
    if (text !== undefined) data.setData("text/plain", text);
    const event = new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true });
    surface.dispatchEvent(event);
    return event.defaultPrevented;
  }, { html, text });
}

/**
 * Runs in the page: what in `html` (a body the editor wrote) is outside the editor's
 * allow-list. `extra` lists the elements allowed besides the text ones (images, dividers and
 * embeds come from the library, the toolbar and the embed dialog, never from a paste). HTML blocks (`div.body-html`: a table
 * kept from a stored body) are left to the server's sanitiser and not looked into.
 */
function outsideAllowList({ html, extra }) {
  const allowed = new Set(["p", "h2", "h3", "h4", "blockquote", "cite", "ul", "ol", "li", "strong", "em", "a", "br", ...extra]);
  const found = [];
  const doc = new DOMParser().parseFromString(html, "text/html");
  const walk = (el) => {
    for (const c of el.children) {
      const name = c.localName;
      if (name === "div" && c.getAttribute("class") === "body-html" && extra.includes("div")) continue;
      if (!allowed.has(name)) found.push(`<${name}>`);
      for (const a of c.attributes) {
        const ok =
          (name === "a" && a.name === "href" && /^(https?:\/\/|mailto:|\/(?![/\\]))/i.test(a.value)) ||
          (name === "img" && (a.name === "alt" || (a.name === "src" && !/^[\s\u0000-\u001f]*(javascript|vbscript|data):/i.test(a.value)))) ||
          (name === "figure" && (a.name === "data-media-id" || (a.name === "class" && a.value === "embed") || a.name === "data-embed-url")) ||
          (name === "span" && a.name === "class" && a.value === "credit");
        if (!ok) found.push(`${name}[${a.name}="${a.value.slice(0, 40)}"]`);
      }
      walk(c);
    }
  };
  walk(doc.body);
  for (const el of doc.head.children) found.push(`<${el.localName}> in head`);
  return found;
}

// What Google Docs puts on the clipboard (Chrome, a document written right to left): one
// <b id="docs-internal-guid-…" style="font-weight:normal"> around everything, every run of
// text a <span> with its whole style, bold and italic as font-weight:700 and
// font-style:italic, list items holding a <p role="presentation">, <br>s between blocks, and
// a picture from Google's servers.
const DOCS_SPAN = (extra = "") =>
  `font-size:11pt;font-family:Arial,sans-serif;color:#000000;background-color:transparent;font-variant:normal;text-decoration:none;vertical-align:baseline;white-space:pre;white-space:pre-wrap;${extra}`;
const DOCS_P = 'dir="rtl" style="line-height:1.38;margin-top:0pt;margin-bottom:0pt;text-align:right;"';
const DOCS_HTML =
  `<meta charset="utf-8"><b style="font-weight:normal;" id="docs-internal-guid-5c2a1f3e-7fff-1b2c-88d1-2f0e4a9b6c11">` +
  `<h1 dir="rtl" style="line-height:1.38;margin-top:20pt;margin-bottom:6pt;text-align:right;"><span style="${DOCS_SPAN("font-size:20pt;font-weight:400;font-style:normal;")}">الحكومة تطلق برنامج الطاقة</span></h1>` +
  `<p ${DOCS_P}><span style="${DOCS_SPAN("font-weight:400;font-style:normal;")}">أعلنت الحكومة اليوم عن </span><span style="${DOCS_SPAN("font-weight:700;font-style:normal;")}">برنامج وطني</span><span style="${DOCS_SPAN("font-weight:400;font-style:normal;")}"> لتشجيع </span><span style="${DOCS_SPAN("font-weight:400;font-style:italic;")}">الطاقة المتجددة</span><span style="${DOCS_SPAN("font-weight:400;font-style:normal;")}">، وفق </span><a href="https://example.org/report" style="text-decoration:none;"><span style="${DOCS_SPAN("color:#1155cc;font-weight:400;font-style:normal;text-decoration:underline;-webkit-text-decoration-skip:none;text-decoration-skip-ink:none;")}">التقرير الرسمي</span></a><span style="${DOCS_SPAN("font-weight:400;")}">.</span></p>` +
  `<br><ul style="margin-top:0;margin-bottom:0;padding-inline-start:48px;">` +
  `<li dir="rtl" style="list-style-type:disc;${DOCS_SPAN("font-weight:400;font-style:normal;")}" aria-level="1"><p ${DOCS_P} role="presentation"><span style="${DOCS_SPAN("font-weight:400;")}">ألواح شمسية في المدارس</span></p></li>` +
  `<li dir="rtl" style="list-style-type:disc;${DOCS_SPAN("font-weight:400;font-style:normal;")}" aria-level="1"><p ${DOCS_P} role="presentation"><span style="${DOCS_SPAN("font-weight:400;")}">محطات رياح في الجنوب</span></p></li></ul>` +
  `<br><h2 dir="rtl" style="line-height:1.38;margin-top:18pt;margin-bottom:6pt;text-align:right;"><span style="${DOCS_SPAN("font-size:16pt;font-weight:400;font-style:normal;")}">التمويل</span></h2>` +
  `<p ${DOCS_P}><span style="${DOCS_SPAN("font-weight:400;")}">قال الوزير: </span><span style="${DOCS_SPAN("font-weight:700;font-style:italic;")}">لن نتأخر</span><span style="${DOCS_SPAN("font-weight:400;")}">.</span></p>` +
  `<p ${DOCS_P}><span style="${DOCS_SPAN("font-weight:400;")}">Green Deal هو اسم الخطة</span><span style="${DOCS_SPAN("font-weight:400;")}"><br></span><span style="${DOCS_SPAN("font-weight:400;")}">سطر ثانٍ</span></p>` +
  `<p ${DOCS_P}><span style="${DOCS_SPAN()}"><span style="border:none;display:inline-block;overflow:hidden;width:200px;height:100px;"><img src="https://lh7-us.googleusercontent.com/docsz/AD_4nXe" width="200" height="100" style="margin-left:0px;margin-top:0px;"></span></span></p>` +
  `</b><br class="Apple-interchange-newline">`;
const DOCS_EXPECTED = [
  "<h2>الحكومة تطلق برنامج الطاقة</h2>",
  '<p>أعلنت الحكومة اليوم عن <strong>برنامج وطني</strong> لتشجيع <em>الطاقة المتجددة</em>، وفق <a href="https://example.org/report">التقرير الرسمي</a>.</p>',
  "<ul><li>ألواح شمسية في المدارس</li><li>محطات رياح في الجنوب</li></ul>",
  "<h2>التمويل</h2>",
  "<p>قال الوزير: <strong><em>لن نتأخر</em></strong>.</p>",
  "<p>Green Deal هو اسم الخطة<br>سطر ثانٍ</p>",
].join("\n");

// What Word for Windows puts on the clipboard: a whole document with Office namespaces, a
// <style> sheet inside a comment, <!--[if gte mso 9]><xml>, MsoNormal paragraphs with styled
// <span lang=AR-SA>s and empty <o:p>s, list paragraphs (MsoListParagraphCxSpFirst/Middle/Last
// with mso-list:l0 level1 lfo1) whose bullet or number sits in <![if !supportLists]> or
// <!--[if !supportLists]--> with a mso-list:Ignore span, <font face=Wingdings>, and a picture
// from the local disk.
const WORD_LIST = (id, lfo, cls) =>
  `class=${cls} dir=RTL style='margin-top:0cm;margin-right:36.0pt;margin-bottom:0cm;margin-left:0cm;margin-bottom:.0001pt;mso-add-space:auto;text-align:right;text-indent:-18.0pt;mso-list:${id} level1 ${lfo};direction:rtl;unicode-bidi:embed'`;
const WORD_BULLET = `<![if !supportLists]><span style='font-family:Symbol;mso-fareast-font-family:Symbol;mso-bidi-font-family:Symbol'><span style='mso-list:Ignore'>·<span style='font:7.0pt "Times New Roman"'>&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp; </span></span></span><![endif]><span dir=RTL></span>`;
const WORD_NUMBER = (n) => `<!--[if !supportLists]--><span lang=AR-SA style='mso-bidi-font-family:Calibri'><span style='mso-list:Ignore'>${n}.<span style='font:7.0pt "Times New Roman"'>&nbsp;&nbsp;&nbsp; </span></span></span><!--[endif]--><span dir=RTL></span>`;
const WORD_HTML = `<html xmlns:v="urn:schemas-microsoft-com:vml"
xmlns:o="urn:schemas-microsoft-com:office:office"
xmlns:w="urn:schemas-microsoft-com:office:word"
xmlns:m="http://schemas.microsoft.com/office/2004/12/omml"
xmlns="http://www.w3.org/TR/REC-html40">
<head>
<meta http-equiv=Content-Type content="text/html; charset=utf-8">
<meta name=ProgId content=Word.Document>
<meta name=Generator content="Microsoft Word 15">
<link rel=File-List href="file:///C:/Users/newsroom/AppData/Local/Temp/msohtmlclip1/01/clip_filelist.xml">
<!--[if gte mso 9]><xml>
 <o:OfficeDocumentSettings>
  <o:AllowPNG/>
 </o:OfficeDocumentSettings>
</xml><![endif]-->
<style>
<!--
 /* Font Definitions */
 @font-face
	{font-family:"Cambria Math";
	panose-1:2 4 5 3 5 4 6 3 2 4;}
p.MsoNormal, li.MsoNormal, div.MsoNormal
	{margin-top:0cm;
	margin-bottom:8.0pt;
	text-align:right;
	direction:rtl;
	unicode-bidi:embed;
	font-size:11.0pt;
	font-family:"Calibri",sans-serif;}
p.MsoListParagraph, li.MsoListParagraph, div.MsoListParagraph
	{margin-right:36.0pt;
	mso-add-space:auto;}
 /* List Definitions */
 @list l0
	{mso-list-id:1083144652;
	mso-list-type:hybrid;}
@list l0:level1
	{mso-level-number-format:bullet;
	mso-level-text:\\F0B7;
	font-family:Symbol;}
-->
</style>
</head>

<body lang=EN-US style='tab-interval:36.0pt;word-wrap:break-word'>
<!--StartFragment-->

<h1 dir=RTL><span lang=AR-SA style='font-family:"Times New Roman",serif;
mso-ascii-font-family:"Times New Roman"'>تقرير الطاقة السنوي<o:p></o:p></span></h1>

<p class=MsoNormal dir=RTL><span lang=AR-SA style='font-size:14.0pt;line-height:
107%;font-family:"Arial",sans-serif;mso-ascii-font-family:Calibri'>أكدت الوزارة أن <b>الخطة</b> تسير
وفق <i>الجدول الزمني</i>، وأن التفاصيل في <a href="https://example.org/energy">موقع الوزارة</a>.<o:p></o:p></span></p>

<p ${WORD_LIST("l0", "lfo1", "MsoListParagraphCxSpFirst")}>${WORD_BULLET}<span
lang=AR-SA style='font-family:"Arial",sans-serif'>خفض الانبعاثات<o:p></o:p></span></p>

<p ${WORD_LIST("l0", "lfo1", "MsoListParagraphCxSpMiddle")}>${WORD_BULLET}<span
lang=AR-SA>زيادة <b style='mso-bidi-font-weight:normal'>الكفاءة</b><o:p></o:p></span></p>

<p ${WORD_LIST("l0", "lfo1", "MsoListParagraphCxSpLast")}>${WORD_BULLET}<span
lang=AR-SA>دعم البحث العلمي<o:p></o:p></span></p>

<p class=MsoNormal dir=RTL><span lang=AR-SA><o:p>&nbsp;</o:p></span></p>

<p ${WORD_LIST("l1", "lfo2", "MsoListParagraphCxSpFirst")}>${WORD_NUMBER(1)}<span lang=AR-SA>المرحلة الأولى<o:p></o:p></span></p>

<p ${WORD_LIST("l1", "lfo2", "MsoListParagraphCxSpLast")}>${WORD_NUMBER(2)}<span lang=AR-SA>المرحلة الثانية<o:p></o:p></span></p>

<p class=MsoNormal dir=RTL><span lang=AR-SA style='mso-bidi-font-weight:bold'>ملاحظة: </span><span
style='font-weight:bold'>نهاية</span> <span style='font-style:italic'>التقرير</span><span
lang=EN-US dir=LTR><o:p></o:p></span></p>

<p class=MsoNormal dir=RTL><font face="Wingdings">&#61607;</font><span class=SpellE>Midad</span> <img width=120 height=80 src="file:///C:/Users/newsroom/AppData/Local/Temp/msohtmlclip1/01/clip_image002.png"></p>

<!--EndFragment-->
</body>

</html>`;
const WORD_EXPECTED = [
  "<h2>تقرير الطاقة السنوي</h2>",
  '<p>أكدت الوزارة أن <strong>الخطة</strong> تسير وفق <em>الجدول الزمني</em>، وأن التفاصيل في <a href="https://example.org/energy">موقع الوزارة</a>.</p>',
  "<ul><li>خفض الانبعاثات</li><li>زيادة <strong>الكفاءة</strong></li><li>دعم البحث العلمي</li></ul>",
  "<ol><li>المرحلة الأولى</li><li>المرحلة الثانية</li></ol>",
  "<p>ملاحظة: <strong>نهاية</strong> <em>التقرير</em></p>",
  "<p>\uf0a7Midad</p>",
].join("\n");

/** What must never be left in a body written from a paste. */
const PASTE_LEFTOVERS = [/style=/i, /class=/i, /<span/i, /<o:p/i, /<font/i, /docs-internal-guid/i, /<img/i, /<!--/, /supportLists/i, /mso-/i, /<meta/i, /<b[ >]/i, /<i[ >]/i];

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
  // Scripts: the inline theme script in <head>, one JSON-LD block in <head>, /static/site.*.js
  // and, on the article editor, /static/editor.*.js.
  let inline = 0;
  let ld = 0;
  let site = 0;
  let editor = 0;
  for (const s of document.querySelectorAll("script")) {
    const src = s.getAttribute("src");
    const type = (s.getAttribute("type") || "").trim().toLowerCase();
    const inHead = s.parentElement === document.head;
    if (src !== null && /^\/static\/site\.[A-Za-z0-9]+\.js$/.test(src) && !type && s.attributes.length <= 2) {
      site++;
      continue;
    }
    if (src !== null && /^\/static\/editor\.[A-Za-z0-9]+\.js$/.test(src) && !type && s.attributes.length <= 2) {
      editor++;
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
  if (inline > 1 || ld > 1 || site > 1 || editor > 1) {
    problems.push(`scripts repeated: ${inline} inline theme scripts, ${ld} JSON-LD blocks, ${site} site.js, ${editor} editor.js`);
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

const TEXT_FIELDS = ["title", "subtitle", "excerpt", "body_html", "tags", "authors", "source", "slug", "seo_title", "seo_description", "image_caption", "image_credit", "image_alt"];
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
  authors: "",
  image_caption: "",
  image_credit: "",
  image_alt: "",
  alt: "صورة اختبار",
  caption: "تعليق الصورة",
  credit: "مداد",
};
/** Refusal messages and the fields they point to. */
const REFUSAL_FIELDS = [
  [/العنوان/, ["title"]],
  [/نص المادة/, ["body_html"]],
  [/الرابط المختصر/, ["slug"]],
  [/الاسم/, ["tags", "authors"]],
  [/كاتب باسم/, ["authors"]],
  [/النص أطول/, ["subtitle", "excerpt", "source", "seo_title", "seo_description", "image_caption", "image_credit", "image_alt"]],
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
    await setBody(page, story.body);
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

  // f. The block editor (editor.js) around the body's textarea.
  const written = {
    title: `مقال كُتب في المحرر ${token}`,
    heading: "خطة الطاقة في سطور",
    link: { text: "بيان الوزارة", href: "https://example.org/bayan" },
    items: ["ألواح شمسية", "محطات رياح"],
    quote: "الطاقة النظيفة أولويتنا",
    mixed: "قال الوزير إن Apple Inc. ستفتح فرعًا",
  };
  written.body = [
    `<h2>${written.heading}</h2>`,
    `<p>أعلنت الوزارة اليوم <strong>خطة</strong> جديدة، والتفاصيل في <a href="${written.link.href}">${written.link.text}</a>.</p>`,
    `<ul>${written.items.map((i) => `<li>${i}</li>`).join("")}</ul>`,
    `<blockquote><p>${written.quote}</p></blockquote>`,
    "<hr>",
    `<p>${written.mixed}</p>`,
  ].join("\n");
  const editorReady = await check("f. editor: the body is a block editor (RTL surface, toolbar with Arabic labels, the textarea hidden in the form)", async () => {
    await page.goto(BASE + "/admin/articles/new");
    await page.waitForSelector(".editor-surface[contenteditable=true]");
    const info = await page.evaluate(() => {
      const surface = document.querySelector(".editor-surface");
      const textarea = document.querySelector("#body_html");
      const buttons = [...document.querySelectorAll(".editor-toolbar button[data-command]")];
      return {
        dir: surface.getAttribute("dir"),
        htmlDir: document.documentElement.dir,
        hidden: textarea.hidden,
        inForm: textarea.form && textarea.form.contains(surface),
        name: textarea.name,
        toolbarRole: document.querySelector(".editor-toolbar").getAttribute("role"),
        labelled: !!document.getElementById(surface.getAttribute("aria-labelledby") || "-"),
        buttons: buttons.map((b) => ({ command: b.dataset.command, text: b.textContent.trim(), title: b.title, pressed: b.getAttribute("aria-pressed"), type: b.type })),
        api: typeof window.MidadEditor?.cleanPastedHtml,
      };
    });
    assert(info.dir === info.htmlDir && info.dir === "rtl", `surface dir ${info.dir}, page dir ${info.htmlDir}`);
    assert(info.hidden && info.inForm && info.name === "body_html", "the textarea is not hidden inside the form beside the editor");
    assert(info.toolbarRole === "toolbar" && info.labelled, "toolbar role or the surface's label missing");
    const want = ["paragraph", "heading", "subheading", "quote", "bullets", "numbers", "bold", "italic", "link", "divider", "image", "embed", "html"];
    const have = info.buttons.map((b) => b.command);
    assert(want.every((c) => have.includes(c)), `toolbar commands ${have.join(", ")}`);
    for (const b of info.buttons) {
      assert(b.type === "button" && b.title, `button ${b.command} has no title or is not type=button`);
      if (b.command !== "html") assert(ARABIC.test(b.text), `button ${b.command} reads «${b.text}», not Arabic`);
    }
    assert(info.buttons.filter((b) => b.pressed !== null).length >= 10, "toggle buttons without aria-pressed");
    assert(info.api === "function", "window.MidadEditor.cleanPastedHtml is missing");
    return `${info.buttons.length} buttons: ${info.buttons.map((b) => b.text).join(" · ")}`;
  });

  await check("f. editor: the tags and authors fields suggest names as they are typed (Arabic folding), taken with the arrows and Enter without sending the form", async () => {
    await page.goto(BASE + "/admin/articles/new");
    const listbox = await page.getAttribute("#tags", "aria-controls");
    assert(listbox && (await page.getAttribute("#tags", "role")) === "combobox", "the tags field is not a combobox");
    // «طاقة نظيفة» exists (the scheduled story's tag); typed with ه for ة after a first tag.
    await page.fill("#tags", "سياسة، طاقه");
    await page.waitForSelector(`#${listbox} li[role=option]`, { timeout: 10000 });
    const offered = await page.$$eval(`#${listbox} li[role=option]`, (lis) => lis.map((li) => li.textContent));
    assert(offered.includes("طاقة نظيفة"), `offered ${JSON.stringify(offered)}`);
    const at = page.url();
    const index = offered.indexOf("طاقة نظيفة");
    await page.focus("#tags");
    for (let i = 0; i <= index; i++) await page.keyboard.press("ArrowDown");
    assert((await page.getAttribute("#tags", "aria-activedescendant")) === `${listbox}-${index}`, "the arrow does not mark the option");
    await page.keyboard.press("Enter");
    const value = await page.inputValue("#tags");
    assert(value === "سياسة، طاقة نظيفة، ", `the field holds «${value}»`);
    assert(page.url() === at, "Enter sent the form");
    assert(await page.isHidden(`#${listbox}`), "the list stays open after the choice");
    // The authors field: the writer's name first, others offered by part of their name.
    const own = await page.inputValue("#authors");
    assert(own.trim().length > 0, "the authors field does not start with the writer's name");
    return `offered ${offered.length} tag(s) for «طاقه»: ${offered.join(" · ")}; took «طاقة نظيفة» with the keyboard`;
  });

  await check("f. editor: an Arabic article written with the toolbar and the keyboard (heading, bold, link, list, quote, divider, a mixed line)", async () => {
    assert(editorReady, "no editor");
    await page.goto(BASE + "/admin/articles/new");
    await page.fill("#title", written.title);
    const pressed = (command) => page.getAttribute(`.editor-toolbar [data-command="${command}"]`, "aria-pressed");
    await page.click(".editor-surface");
    await page.click('.editor-toolbar [data-command="heading"]');
    assert((await pressed("heading")) === "true", "«heading» not pressed in a heading");
    await page.keyboard.type(written.heading);
    await page.keyboard.press("Enter"); // a heading's Enter starts a paragraph
    assert((await pressed("paragraph")) === "true", "Enter in a heading did not start a paragraph");
    await page.keyboard.type("أعلنت الوزارة اليوم ");
    await page.keyboard.press("Control+B");
    await page.keyboard.type("خطة");
    assert((await pressed("bold")) === "true", "«bold» not pressed while typing bold");
    await page.keyboard.press("Control+B");
    await page.keyboard.type(` جديدة، والتفاصيل في ${written.link.text}`);
    // Shift+→ in right-to-left text selects backwards: the link's words.
    for (let k = 0; k < written.link.text.length; k++) await page.keyboard.press("Shift+ArrowRight");
    const selected = await page.evaluate(() => getSelection().toString());
    assert(selected === written.link.text, `selected «${selected}»`);
    await page.keyboard.press("Control+K");
    await page.fill("#editor-url-input", "javascript:alert(1)");
    await page.keyboard.press("Enter");
    const refused = (await page.textContent("#editor-url-problem")).trim();
    assert(ARABIC.test(refused), "a javascript: link was not refused with a message");
    await page.fill("#editor-url-input", written.link.href);
    await page.keyboard.press("Enter");
    assert((await pressed("link")) === "true", "«link» not pressed on the link");
    await page.keyboard.press("End");
    await page.keyboard.type(".");
    await page.keyboard.press("Enter");
    await page.click('.editor-toolbar [data-command="bullets"]');
    await page.keyboard.type(written.items[0]);
    await page.keyboard.press("Enter");
    await page.keyboard.type(written.items[1]);
    assert((await pressed("bullets")) === "true", "«bulleted list» not pressed in the list");
    await page.keyboard.press("Enter");
    await page.keyboard.press("Enter"); // twice: out of the list
    assert((await pressed("paragraph")) === "true", "Enter twice did not leave the list");
    await page.click('.editor-toolbar [data-command="quote"]');
    await page.keyboard.type(written.quote);
    await page.keyboard.press("Enter");
    await page.click('.editor-toolbar [data-command="divider"]');
    await page.keyboard.type(written.mixed);
    await page.keyboard.press("Enter");
    await page.keyboard.press("Backspace"); // an empty block goes with Backspace
    const body = await page.inputValue("#body_html");
    assert(body === written.body, `the textarea holds:\n${body}\nexpected:\n${written.body}`);
    const blocks = await page.$$eval(".editor-surface > *", (els) => els.map((e) => `${e.localName}${e.getAttribute("dir") ? `[dir=${e.getAttribute("dir")}]` : ""}`));
    assert(blocks.join(" ") === "h2[dir=auto] p[dir=auto] ul[dir=auto] blockquote[dir=auto] hr p[dir=auto]", `blocks ${blocks.join(" ")}`);
    const section = await page.$$eval("#section option", (os) => os.filter((o) => o.value).map((o) => o.value)[0]);
    if (section) await page.selectOption("#section", section);
    await page.screenshot({ path: join(ARTIFACTS, "admin-editor-written.png"), fullPage: true });
    const status = await submit(page, 'button[name="action"][value="publish"]');
    assert(status === 303, `publishing answered ${status}: ${await refusalText(page)}`);
    const m = /^\/admin\/articles\/(\d+)$/.exec(new URL(page.url()).pathname);
    assert(m, `landed on ${page.url()}`);
    written.id = m[1];
    written.url = await page.getAttribute('main a[href^="/article/"]', "href");
    return `article #${written.id} ${written.url}; blocks ${blocks.join(" ")}`;
  });

  await check("f. editor: the public page shows its heading, bold word, link, list, quote and divider; the mixed line keeps dir=auto", async () => {
    assert(written.url, "nothing was published");
    const res = await reader.goto(BASE + written.url);
    assert(res && res.status() === 200, `the article answered ${res && res.status()}`);
    const got = await reader.evaluate(() => {
      const body = document.querySelector(".story-body");
      const text = (sel) => [...body.querySelectorAll(sel)].map((e) => e.textContent.trim());
      const mixed = [...body.querySelectorAll("p")].find((p) => p.textContent.includes("Apple Inc."));
      return {
        h2: text("h2"),
        bold: text("strong, b"),
        links: [...body.querySelectorAll("a")].map((a) => [a.getAttribute("href"), a.textContent.trim()]),
        items: text("ul li"),
        quote: text("blockquote").join(" "),
        hr: body.querySelectorAll("hr").length,
        mixed: mixed && { dir: mixed.getAttribute("dir"), direction: getComputedStyle(mixed).direction, text: mixed.textContent.trim() },
      };
    });
    assert(got.h2.includes(written.heading), `headings ${JSON.stringify(got.h2)}`);
    assert(got.bold.includes("خطة"), `bold ${JSON.stringify(got.bold)}`);
    assert(got.links.some(([h, t]) => h === written.link.href && t === written.link.text), `links ${JSON.stringify(got.links)}`);
    assert(JSON.stringify(got.items) === JSON.stringify(written.items), `list items ${JSON.stringify(got.items)}`);
    assert(got.quote.includes(written.quote), `quote «${got.quote}»`);
    assert(got.hr === 1, `${got.hr} dividers`);
    assert(got.mixed && got.mixed.text === written.mixed, `the mixed line reads ${JSON.stringify(got.mixed)}`);
    assert(got.mixed.dir === "auto" && got.mixed.direction === "rtl", `the mixed line has dir=${got.mixed.dir}, direction ${got.mixed.direction}`);
    await reader.screenshot({ path: join(ARTIFACTS, "admin-editor-public.png"), fullPage: true });
    return `h2, strong, link, ${got.items.length} items, quote, hr; «${got.mixed.text}» dir=auto → rtl`;
  });

  await check("f. editor: a photo from the media library and an embedded post, inserted with the toolbar, reach the public page", async () => {
    assert(editorReady && photo.id && photo.path, "no editor or no uploaded photo");
    await page.goto(BASE + "/admin/articles/new");
    await page.fill("#title", `صورة وتضمين ${token}`);
    await page.click(".editor-surface");
    await page.keyboard.type("قبل الصورة.");
    await page.click('.editor-toolbar [data-command="image"]');
    const item = page.locator(".editor-media-list button", { has: page.locator(`img[src$="/${photo.path}"]`) });
    await item.waitFor();
    await item.click();
    const card = await page.$eval(".editor-surface figure.editor-image", (f) => ({ src: f.dataset.src, id: f.dataset.mediaId, caption: f.querySelector("figcaption").textContent }));
    assert(card.id === photo.id && card.caption === photo.caption, `image card ${JSON.stringify(card)}`);
    await page.keyboard.type("بعد الصورة.");
    await page.click('.editor-toolbar [data-command="embed"]');
    await page.fill("#editor-url-input", "https://example.org/not-a-post");
    await page.keyboard.press("Enter");
    assert(ARABIC.test(await page.textContent("#editor-url-problem")), "an address that cannot be embedded was not refused");
    const video = "https://www.youtube.com/watch?v=dQw4w9WgXcQ";
    await page.fill("#editor-url-input", video);
    await page.keyboard.press("Enter");
    const loaded = await page.$$eval(".editor-surface iframe, .editor-surface script", (els) => els.length);
    assert(loaded === 0, "the embed loads something in the editor");
    const body = await page.inputValue("#body_html");
    const want = `<p>قبل الصورة.</p>\n<figure data-media-id="${photo.id}"><img src="${card.src}" alt="${photo.alt}"><figcaption>${photo.caption}</figcaption></figure>\n<p>بعد الصورة.</p>\n<figure class="embed" data-embed-url="${video}"><a href="${video}">${video}</a></figure>`;
    assert(body === want, `the body holds:\n${body}\nexpected:\n${want}`);
    const status = await submit(page, 'button[name="action"][value="publish"]');
    assert(status === 303, `publishing answered ${status}: ${await refusalText(page)}`);
    const url = await page.getAttribute('main a[href^="/article/"]', "href");
    const res = await reader.goto(BASE + url);
    assert(res && res.status() === 200, `the article answered ${res && res.status()}`);
    const got = await reader.evaluate(() => {
      const body = document.querySelector(".story-body");
      const img = body.querySelector("figure img");
      const embed = body.querySelector("figure.embed, [data-embed-url]");
      return {
        img: img && img.getAttribute("src"),
        caption: (body.querySelector("figure figcaption") || {}).textContent || "",
        embed: embed && embed.getAttribute("data-embed-url"),
      };
    });
    assert(got.img && got.img.includes(photo.path.replace(/\.jpg$/, "")), `the public image is ${got.img}`);
    assert(got.caption.includes(photo.caption), `the public caption is «${got.caption}»`);
    assert(got.embed === video, `the public embed is ${got.embed}`);
    return `${url}: image ${got.img}, caption «${got.caption.trim().slice(0, 40)}…», embed ${got.embed}`;
  });

  const pasteCheck = async (name, html, expected) => {
    await page.goto(BASE + "/admin/articles/new");
    await page.click(".editor-surface");
    const prevented = await pasteInto(page, { html, text: "نص بديل" });
    assert(prevented, "the editor did not take the paste");
    const body = await page.inputValue("#body_html");
    const left = PASTE_LEFTOVERS.filter((re) => re.test(body));
    assert(!left.length, `${name}: left in the body: ${left.join(", ")}\n${body}`);
    const outside = await page.evaluate(outsideAllowList, { html: body, extra: [] });
    assert(!outside.length, `${name}: outside the allow-list: ${outside.join(", ")}`);
    assert(body === expected, `${name}: the body holds:\n${body}\nexpected:\n${expected}`);
    const pure = await page.evaluate((h) => window.MidadEditor.cleanPastedHtml(h), html);
    assert(pure === expected, `${name}: MidadEditor.cleanPastedHtml gives:\n${pure}`);
    return body;
  };
  await check("f. editor: a paste from Google Docs keeps headings, paragraphs, lists, bold, italic and links, and drops styles, spans, the guid wrapper and images", async () => {
    assert(editorReady, "no editor");
    const body = await pasteCheck("Google Docs", DOCS_HTML, DOCS_EXPECTED);
    return `${DOCS_HTML.length} characters pasted → ${body.length}: ${body.split("\n").map((l) => l.replace(/>.*$/, ">")).join(" ")}`;
  });
  await check("f. editor: a paste from Word keeps headings, paragraphs, both lists (bullets and numbers), bold, italic and links, and drops Mso classes, o:p, conditional comments, fonts and images", async () => {
    assert(editorReady, "no editor");
    const body = await pasteCheck("Word", WORD_HTML, WORD_EXPECTED);
    return `${WORD_HTML.length} characters pasted → ${body.length}: ${body.split("\n").map((l) => l.replace(/>.*$/, ">")).join(" ")}`;
  });
  await check("f. editor: plain text pastes as paragraphs (blank lines) and line breaks, at the caret", async () => {
    assert(editorReady, "no editor");
    await page.goto(BASE + "/admin/articles/new");
    await page.click(".editor-surface");
    await page.keyboard.type("قبل اللصق: ");
    await pasteInto(page, { text: "الفقرة الأولى\nسطرها الثاني\n\nالفقرة الثانية <b>ليست غامقة</b>" });
    await page.keyboard.type(" [بعده]");
    const body = await page.inputValue("#body_html");
    const want = "<p>قبل اللصق: الفقرة الأولى<br>سطرها الثاني</p>\n<p>الفقرة الثانية &lt;b&gt;ليست غامقة&lt;/b&gt; [بعده]</p>";
    assert(body === want, `the body holds:\n${body}`);
    return body.replace(/\n/g, " ⏎ ");
  });

  await check("f. editor: autosave after an edit shows the saved time; the reopened editor offers the autosaved copy, and restoring it fills the body", async () => {
    assert(written.id, "no article to edit");
    const saves = [];
    const onResponse = (r) => {
      if (r.request().method() === "POST" && r.url().endsWith(`/admin/articles/${written.id}/autosave`)) saves.push(r);
    };
    page.on("response", onResponse);
    try {
      await page.goto(BASE + `/admin/articles/${written.id}`);
      const form = await page.getAttribute("form.editor-form", "data-autosave-url");
      assert(form === `/admin/articles/${written.id}/autosave`, `data-autosave-url is ${form}`);
      const added = ` (تحديث ${token})`;
      await page.click(".editor-surface > p:last-child");
      await page.keyboard.press("End");
      await page.keyboard.type(added);
      const typedAt = Date.now();
      // The next tick of the 10 s timer saves it; well within 25 s.
      await page.waitForSelector('#autosave-status[data-state="saved"]', { timeout: 25_000 });
      const waited = ((Date.now() - typedAt) / 1000).toFixed(1);
      const status = (await page.textContent("#autosave-status")).trim();
      const template = await page.getAttribute("#autosave-status", "data-saved");
      assert(status && !status.includes("{saved_at}") && status.startsWith(template.split("{saved_at}")[0].trim()), `status reads «${status}»`);
      assert(saves.length >= 1, "no POST to the autosave address");
      const last = saves[saves.length - 1];
      const answer = await last.json().catch(() => ({}));
      assert(last.status() === 200 && typeof answer.saved_at === "string", `the autosave answered ${last.status()} ${JSON.stringify(answer)}`);
      // Reopened: the server offers the copy, newer than the article.
      await page.goto(BASE + `/admin/articles/${written.id}`);
      const restore = page.locator('main a[href$="?restore=autosave"]');
      assert((await restore.count()) === 1, "the reopened editor offers no autosaved copy");
      const banner = (await restore.locator("xpath=..").textContent()).trim();
      const before = await page.inputValue("#body_html");
      assert(!before.includes(added.trim()), "the article itself already holds the autosaved text");
      await Promise.all([page.waitForNavigation({ waitUntil: "load" }), restore.click()]);
      const after = await page.inputValue("#body_html");
      assert(after.includes(`${written.mixed}${added}`), `restored body:\n${after}`);
      const shown = await page.textContent(".editor-surface");
      assert(shown.includes(added.trim()), "the editor does not show the restored text");
      return `saved ${waited} s after typing («${status}», ${saves.length} autosave POST); banner «${banner.slice(0, 80)}»; restored`;
    } finally {
      page.off("response", onResponse);
    }
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
    for (const f of TEXT_FIELDS) {
      if (f === "body_html") await setBody(page, v[f]);
      else await page.fill(`#${f}`, v[f]);
    }
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
    if (field === "body_html") await setBody(page, SAFE[field]);
    else await page.fill(`#${field}`, SAFE[field]);
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

  // The editor's own allow-list, on its own: every payload pasted into it (as HTML and as
  // text), then all of them loaded into it from the «HTML source» view. The page runs with the
  // CSP bypassed, like the others, so a handler that got into the surface would run.
  await check("d. every payload pasted into the editor, or loaded into it from the «HTML source» view, stays inert", async () => {
    const only = (process.env.MIDAD_XSS_ONLY || "").split(",").map(Number).filter(Boolean);
    const texts = PAYLOADS.map(([, make], i) => [i + 1, make(i + 1)]).filter(([n]) => !only.length || only.includes(n)).map(([, t]) => t);
    const page = editor.page;
    await editor.goto("/admin/articles/new");
    assert(await page.$(".editor-surface"), "no editor on the page");
    await page.click(".editor-surface");
    for (const text of texts) {
      await pasteInto(page, { html: text, text });
      await pasteInto(page, { text });
    }
    const problems = await editor.inspect("editor after pasting every payload");
    const pasted = await page.inputValue("#body_html");
    const outside = await page.evaluate(outsideAllowList, { html: pasted, extra: [] });
    for (const o of outside) problems.push(`pasted body: ${o}`);
    // Loaded from the HTML view (as the refusal pages do with a body typed there).
    editor.reset();
    await page.click('.editor-toolbar [data-command="html"]');
    await page.fill("#body_html", texts.join("\n"));
    await page.click('.editor-toolbar [data-command="html"]');
    // One letter typed at the end makes the editor write the body out again.
    await page.focus(".editor-surface");
    await page.keyboard.press("Control+End");
    await page.keyboard.type("x");
    problems.push(...(await editor.inspect("editor after loading every payload from the HTML view")));
    const loaded = await page.inputValue("#body_html");
    if (!loaded.endsWith("x</p>")) problems.push(`the body was not written again after typing: …${loaded.slice(-80)}`);
    const outsideLoaded = await page.evaluate(outsideAllowList, { html: loaded, extra: ["hr", "figure", "img", "figcaption", "span", "div"] });
    for (const o of outsideLoaded) problems.push(`body loaded from the HTML view: ${o}`);
    assert(problems.length === 0, problems.slice(0, 10).join(" | "));
    return `${texts.length} payloads pasted twice (HTML, text): body of ${pasted.length} characters; loaded from the HTML view: ${loaded.length} characters, nothing outside the allow-list`;
  });

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
