// Checks Midad's default theme in real headless Chromium (Debian's /usr/bin/chromium).
//
//   node tests/browser/run.mjs BASE_URL ARTIFACTS_DIR
//
// BASE_URL is a running Midad with the demo content (`midad serve --demo`). Prints one line
// per check, PASS or FAIL with a detail, saves screenshots into ARTIFACTS_DIR, and exits
// non-zero when any check failed.

import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
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
const DARK_LABEL = "الوضع المظلم"; // shown while the page is light: a click turns dark on
const LIGHT_LABEL = "الوضع الفاتح"; // shown while the page is dark
const MOBILE = { width: 360, height: 800 };
const DESKTOP = { width: 1280, height: 900 };
const TIMEOUT = 15_000;

const [base0, artifacts0] = process.argv.slice(2);
if (!base0 || !artifacts0) {
  console.error("usage: node run.mjs BASE_URL ARTIFACTS_DIR");
  process.exit(2);
}
const BASE = base0.replace(/\/+$/, "");
const ORIGIN = new URL(BASE).origin;
const ARTIFACTS = resolve(artifacts0);
mkdirSync(ARTIFACTS, { recursive: true });

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
  } catch (e) {
    report(name, false, (e && e.stack ? e.stack.split("\n").slice(0, 3).join(" | ") : String(e)));
  }
}

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

// ------------------------------------------------------------------ colours

function parseColor(text) {
  const m = /rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)(?:\s*[,/]\s*([\d.]+%?))?\s*\)/.exec(text || "");
  if (!m) return null;
  let alpha = m[4] === undefined ? 1 : m[4].endsWith("%") ? parseFloat(m[4]) / 100 : parseFloat(m[4]);
  return { r: +m[1], g: +m[2], b: +m[3], a: alpha };
}

function luminance(c) {
  const lin = (v) => {
    v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
  };
  return 0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b);
}

function contrast(a, b) {
  const x = luminance(a);
  const y = luminance(b);
  return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
}

// ------------------------------------------------------------------ browser

// Each launch gets a fresh temporary profile from Playwright, and every check a fresh context.
let browser;

async function newContext(options = {}) {
  const context = await browser.newContext({
    viewport: DESKTOP,
    locale: "ar",
    ...options,
  });
  context.setDefaultTimeout(TIMEOUT);
  context.setDefaultNavigationTimeout(TIMEOUT);
  return context;
}

/** A page that records console errors, page errors, CSP violations and foreign requests. */
async function watchedPage(context) {
  const page = await context.newPage();
  const problems = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(`console: ${msg.text()}`);
  });
  page.on("pageerror", (err) => problems.push(`pageerror: ${err.message}`));
  page.on("request", (req) => {
    const url = req.url();
    if (!url.startsWith(ORIGIN + "/") && !url.startsWith("data:")) {
      problems.push(`third-party request: ${url}`);
    }
  });
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => {
      window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI || "inline"}`);
    });
  });
  return { page, problems };
}

async function bodyBackground(page) {
  return page.evaluate(() => getComputedStyle(document.body).backgroundColor);
}

/** Loads every lazy image (scrolling through the page) so full-page screenshots show them. */
async function loadAllImages(page) {
  await page.evaluate(async () => {
    for (const img of document.querySelectorAll('img[loading="lazy"]')) img.loading = "eager";
    const step = Math.max(200, window.innerHeight);
    for (let y = 0; y < document.documentElement.scrollHeight; y += step) {
      window.scrollTo(0, y);
      await new Promise((r) => requestAnimationFrame(() => r()));
    }
    window.scrollTo(0, 0);
    await Promise.all(
      Array.from(document.images)
        .filter((img) => !img.complete)
        .map((img) => new Promise((r) => { img.onload = img.onerror = r; setTimeout(r, 5000); })),
    );
  });
}

// ------------------------------------------------------------------ the checks

async function main() {
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
  });

  // Discover the URLs: an article from the home page, a section from the navigation, and a
  // word to search for from the article's title.
  const urls = {};
  {
    const context = await newContext();
    const page = await context.newPage();
    const res = await page.goto(BASE + "/");
    assert(res && res.ok(), `home page answered ${res && res.status()}`);
    urls.article = await page.$eval('main a[href^="/article/"]', (a) => a.getAttribute("href"));
    urls.section = await page.$eval('.sections a[href^="/section/"]', (a) => a.getAttribute("href"));
    urls.page = await page
      .$eval('.footer a[href^="/page/"]', (a) => a.getAttribute("href"))
      .catch(() => null);
    await page.goto(BASE + urls.article);
    const title = (await page.textContent(".story-title")).trim();
    urls.tag = await page.$eval('.tags a[href^="/tag/"]', (a) => a.getAttribute("href")).catch(() => null);
    urls.author = await page.$eval('a[rel="author"]', (a) => a.getAttribute("href")).catch(() => null);
    // The longest word of the title (letters only): certainly indexed.
    urls.word = title
      .split(/\s+/)
      .map((w) => w.replace(/[^\p{L}]/gu, ""))
      .sort((a, b) => b.length - a.length)[0];
    await context.close();
  }
  console.log(`# base ${BASE}; article ${decodeURI(urls.article)}; section ${decodeURI(urls.section)}; search word «${urls.word}»`);

  // Reference colours: the body's background with no stored choice, light and dark systems.
  let lightBg;
  let darkBg;

  // c. prefers-color-scheme: dark with no stored choice renders dark.
  await check("c. system prefers dark, no stored choice: the page is dark", async () => {
    const light = await newContext({ colorScheme: "light" });
    const lp = await light.newPage();
    await lp.goto(BASE + "/");
    lightBg = await bodyBackground(lp);
    await light.close();

    const context = await newContext({ colorScheme: "dark" });
    const page = await context.newPage();
    await page.goto(BASE + "/");
    darkBg = await bodyBackground(page);
    const theme = await page.getAttribute("html", "data-theme");
    await page.waitForSelector("#theme-toggle:not([hidden])");
    const label = (await page.textContent("#theme-toggle")).trim();
    const scheme = await page.evaluate(() => getComputedStyle(document.documentElement).colorScheme);
    await context.close();
    const l = luminance(parseColor(lightBg));
    const d = luminance(parseColor(darkBg));
    assert(l > 0.6, `light background ${lightBg} is not light`);
    assert(d < 0.1, `dark background ${darkBg} is not dark`);
    assert(theme === null, `html has data-theme=${theme} without a stored choice`);
    assert(label === LIGHT_LABEL, `toggle label «${label}», expected «${LIGHT_LABEL}»`);
    assert(scheme.includes("dark"), `color-scheme is ${scheme}`);
    return `light ${lightBg}, dark ${darkBg}, color-scheme ${scheme}`;
  });
  if (!lightBg || !darkBg) {
    report("reference colours", false, "could not read the light and dark backgrounds; later checks are unreliable");
  }

  // a + b share one context (one localStorage): the reader chooses dark, then reloads.
  const chooser = await newContext({ colorScheme: "light" });
  await check("a. the toggle switches the home page to dark", async () => {
    const page = await chooser.newPage();
    await page.goto(BASE + "/");
    const button = page.locator("#theme-toggle");
    await button.waitFor({ state: "visible" });
    const before = await bodyBackground(page);
    const labelBefore = (await button.textContent()).trim();
    assert(before === lightBg, `before the click the background is ${before}, expected ${lightBg}`);
    assert(labelBefore === DARK_LABEL, `label before the click «${labelBefore}»`);
    await button.click();
    const theme = await page.getAttribute("html", "data-theme");
    const after = await bodyBackground(page);
    const label = (await button.textContent()).trim();
    const stored = await page.evaluate(() => localStorage.getItem("midad-theme"));
    await page.close();
    assert(theme === "dark", `html data-theme=${theme}`);
    assert(after === darkBg, `background after the click ${after}, expected ${darkBg}`);
    assert(label === LIGHT_LABEL, `label after the click «${label}», expected «${LIGHT_LABEL}»`);
    assert(stored === "dark", `localStorage midad-theme=${stored}`);
    return `${before} → ${after}, data-theme=dark, label «${label}», stored ${stored}`;
  });

  // Records, as early as the page allows, what the reader would see first:
  // - the theme attribute at the moment <body> is created;
  // - the body's background at the earliest moment it can be painted at all: <body> exists
  //   and the render-blocking style sheets are loaded (from a mutation observer, so while
  //   the parser is still at work and before the deferred site.js can run);
  // - the body's background on the first rendered frame.
  const firstPaintProbe = () => {
    const first = (window.__first = { themeAtBody: undefined, early: null, frame: null });
    const sheetsLoaded = () =>
      Array.from(document.querySelectorAll('link[rel="stylesheet"]')).every((l) => l.sheet);
    const snapshot = () => {
      const toggle = document.getElementById("theme-toggle");
      return {
        bg: getComputedStyle(document.body).backgroundColor,
        theme: document.documentElement.getAttribute("data-theme"),
        readyState: document.readyState,
        // site.js un-hides the toggle: still hidden (or not parsed yet) means it had not run.
        siteJsRan: toggle ? !toggle.hidden : false,
      };
    };
    const look = () => {
      if (!document.body) return;
      if (first.themeAtBody === undefined) {
        first.themeAtBody = document.documentElement.getAttribute("data-theme");
      }
      if (!first.early && sheetsLoaded()) first.early = snapshot();
      if (first.early) observer.disconnect();
    };
    const observer = new MutationObserver(look);
    observer.observe(document, { childList: true, subtree: true });
    document.addEventListener("load", look, true); // a style sheet finished loading
    const frame = () => {
      if (!document.body) return requestAnimationFrame(frame);
      look();
      first.frame = snapshot();
    };
    requestAnimationFrame(frame);
  };

  async function firstPaint(context, path) {
    const page = await context.newPage();
    await page.addInitScript(firstPaintProbe);
    await page.goto(BASE + path);
    await page.waitForFunction(() => window.__first && window.__first.frame);
    const first = await page.evaluate(() => window.__first);
    const settled = await bodyBackground(page);
    await page.close();
    return { first, settled };
  }

  await check("b. a stored dark choice survives a reload, dark from the first paint (system prefers light)", async () => {
    const { first, settled } = await firstPaint(chooser, "/");
    const e = first.early;
    const f = first.frame;
    assert(first.themeAtBody === "dark", `data-theme when <body> appeared: ${first.themeAtBody}`);
    assert(e, "no early sample");
    assert(e.bg === darkBg, `earliest paintable background ${e.bg} (${e.readyState}), expected ${darkBg}`);
    assert(f.bg === darkBg, `first frame background ${f.bg}, expected ${darkBg}`);
    assert(f.theme === "dark", `first frame data-theme=${f.theme}`);
    assert(settled === darkBg, `settled background ${settled}`);
    return `data-theme at <body>: ${first.themeAtBody}; earliest ${e.bg} (readyState ${e.readyState}, site.js ${e.siteJsRan ? "had run" : "not yet run"}); first frame ${f.bg}`;
  });

  await check("b. the same on an article page", async () => {
    const { first } = await firstPaint(chooser, urls.article);
    assert(first.early && first.early.bg === darkBg, `earliest background ${first.early && first.early.bg}, expected ${darkBg}`);
    assert(first.frame.bg === darkBg, `first frame background ${first.frame.bg}, expected ${darkBg}`);
    return `earliest ${first.early.bg} (site.js ${first.early.siteJsRan ? "had run" : "not yet run"}), first frame ${first.frame.bg}`;
  });
  await chooser.close();

  await check("b. a stored light choice wins over a system that prefers dark, from the first paint", async () => {
    const context = await newContext({ colorScheme: "dark" });
    await context.addInitScript(() => {
      try { localStorage.setItem("midad-theme", "light"); } catch (e) {}
    });
    const { first, settled } = await firstPaint(context, "/");
    await context.close();
    assert(first.themeAtBody === "light", `data-theme when <body> appeared: ${first.themeAtBody}`);
    assert(first.early && first.early.bg === lightBg, `earliest background ${first.early && first.early.bg}, expected ${lightBg}`);
    assert(first.frame.bg === lightBg, `first frame background ${first.frame.bg}, expected ${lightBg}`);
    assert(settled === lightBg, `settled background ${settled}`);
    return `first frame ${first.frame.bg}`;
  });

  await check("b. emulateMedia light + stored dark: dark; switching the system to dark keeps it dark", async () => {
    const context = await newContext();
    await context.addInitScript(() => {
      try { localStorage.setItem("midad-theme", "dark"); } catch (e) {}
    });
    const page = await context.newPage();
    await page.emulateMedia({ colorScheme: "light" });
    await page.goto(BASE + "/");
    const a = await bodyBackground(page);
    await page.emulateMedia({ colorScheme: "dark" });
    const b = await bodyBackground(page);
    const label = (await page.textContent("#theme-toggle")).trim();
    await context.close();
    assert(a === darkBg && b === darkBg, `backgrounds ${a}, ${b}; expected ${darkBg}`);
    assert(label === LIGHT_LABEL, `label «${label}»`);
    return `${a}, ${b}`;
  });

  // d. Without JavaScript.
  await check("d. without JavaScript: home, header date, article link, search form, toggle hidden", async () => {
    const context = await newContext({ javaScriptEnabled: false, viewport: MOBILE });
    const page = await context.newPage();
    await page.goto(BASE + "/");
    const cards = await page.locator("main .card").count();
    assert(cards > 5, `only ${cards} cards on the home page`);
    const date = page.locator(".masthead .today time");
    assert(await date.isVisible(), "the header date is not visible");
    const dateText = (await date.textContent()).trim();
    assert(dateText.length > 5, `header date «${dateText}»`);
    assert(!(await page.locator("#theme-toggle").isVisible()), "the theme toggle is visible without JavaScript");
    // Follow a headline link.
    const link = page.locator('main .card-title a[href^="/article/"]').first();
    const headline = (await link.textContent()).trim();
    await Promise.all([page.waitForURL(/\/article\//), link.click()]);
    const storyTitle = (await page.textContent("h1.story-title")).trim();
    assert(storyTitle.length > 0, "the article has no title");
    assert(!(await page.locator(".copy-link").isVisible()), "the copy-link button is visible without JavaScript");
    // Search from the header; the index is built in the background at start-up, so give it
    // a little time.
    let count = 0;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      await page.goto(BASE + "/");
      await page.fill("#header-q", urls.word);
      await Promise.all([page.waitForURL(/\/search\?/), page.press("#header-q", "Enter")]);
      count = await page.locator(".results .result").count();
      if (count > 0) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    const searchUrl = decodeURIComponent(page.url());
    assert(count > 0, `no results at ${searchUrl}`);
    // And the search page's own form.
    await page.selectOption("#sort", "newest");
    await Promise.all([page.waitForURL(/sort=newest/), page.click(".search-form button[type=submit]")]);
    const count2 = await page.locator(".results .result").count();
    assert(count2 > 0, "the search page's own form found nothing");
    await context.close();
    return `${cards} cards, date «${dateText}», «${headline.slice(0, 30)}…» → «${storyTitle.slice(0, 30)}…», ${count} results for «${urls.word}»`;
  });

  // e. No horizontal scrolling at 360 px.
  {
    const pages = [
      ["home", "/"],
      ["article", urls.article],
      ["section", urls.section],
      ["search", `/search?q=${encodeURIComponent(urls.word)}`],
      ["search, no results", `/search?q=${encodeURIComponent("https://example.invalid/a-very-long-unbroken-address-that-goes-on-and-on-and-on")}`],
      ["caricature archive", "/caricature"],
      ["static page", urls.page],
      ["tag", urls.tag],
      ["author", urls.author],
      ["not found", "/no-such-page-here"],
    ].filter(([, path]) => path);
    for (const scheme of ["light", "dark"]) {
      const context = await newContext({ viewport: MOBILE, colorScheme: scheme });
      const page = await context.newPage();
      for (const [name, path] of pages) {
        await check(`e. no horizontal scrolling at 360 px (${scheme}): ${name}`, async () => {
          await page.goto(BASE + path);
          await loadAllImages(page);
          const m = await page.evaluate(() => {
            const w = document.documentElement.clientWidth;
            const wide = [];
            for (const el of document.querySelectorAll("body *")) {
              const r = el.getBoundingClientRect();
              if (r.width && (r.right > w + 0.5 || r.left < -0.5)) {
                let scroller = el.parentElement;
                let clipped = false;
                while (scroller && scroller !== document.body) {
                  const o = getComputedStyle(scroller).overflowX;
                  if (o !== "visible") { clipped = true; break; }
                  scroller = scroller.parentElement;
                }
                if (!clipped) wide.push(`${el.tagName.toLowerCase()}.${el.className || ""} [${Math.round(r.left)}…${Math.round(r.right)}]`);
              }
            }
            return { scrollWidth: document.documentElement.scrollWidth, clientWidth: w, wide: wide.slice(0, 5) };
          });
          assert(m.scrollWidth <= 360, `scrollWidth ${m.scrollWidth} > 360; overflowing: ${m.wide.join(", ")}`);
          return `scrollWidth ${m.scrollWidth}`;
        });
      }
      await context.close();
    }
  }

  // f. No console errors, page errors, CSP violations or third-party requests.
  for (const [name, path] of [["home", "/"], ["article", urls.article], ["search", `/search?q=${encodeURIComponent(urls.word)}`]]) {
    await check(`f. no console errors or CSP violations: ${name}`, async () => {
      const context = await newContext();
      const { page, problems } = await watchedPage(context);
      await page.goto(BASE + path, { waitUntil: "load" });
      await loadAllImages(page);
      // Exercise the script: the toggle, and the suggestions (a fetch to our own API).
      await page.click("#theme-toggle");
      await page.click("#theme-toggle");
      await page.fill("#header-q", urls.word.slice(0, 3));
      await page.waitForTimeout(600);
      const csp = await page.evaluate(() => window.__cspViolations);
      await context.close();
      const all = [...problems, ...csp.map((v) => `CSP: ${v}`)];
      assert(all.length === 0, all.join(" | "));
      return "none";
    });
  }

  // Contrast of the text that matters, measured on the rendered page in both palettes.
  for (const scheme of ["light", "dark"]) {
    await check(`h. WCAG AA contrast (${scheme})`, async () => {
      const context = await newContext({ colorScheme: scheme });
      const page = await context.newPage();
      const measured = [];
      for (const path of ["/", urls.article, `/search?q=${encodeURIComponent(urls.word)}`]) {
        await page.goto(BASE + path);
        // A link inside the article body (the demo's bodies have none).
        await page.evaluate(() => {
          const body = document.querySelector(".story-body p");
          if (body) {
            const a = document.createElement("a");
            a.href = "/";
            a.id = "__probe-link";
            a.textContent = "رابط";
            body.appendChild(a);
          }
        });
        const rows = await page.evaluate(() => {
          const targets = [
            ["body text", "main p, .story-body p"],
            ["body text on a card", ".grid .card .card-title a"],
            ["muted (.meta)", ".meta"],
            ["muted on a card", ".grid .card .meta"],
            ["muted (caption)", ".story-image figcaption"],
            ["muted (.tagline)", ".tagline"],
            ["muted (.today)", ".today"],
            ["link in article body", "#__probe-link"],
            ["link (.breadcrumb a)", ".breadcrumb a"],
            ["accent (.kicker)", ".card-lead .kicker, .story-head .kicker"],
            ["accent on a card", ".grid .card .kicker"],
            ["link on a card (.box .more a)", ".box .more a"],
            ["theme toggle", "#theme-toggle"],
            ["badge", ".badge"],
            ["ticker", ".ticker a"],
            ["ticker label", ".ticker-label"],
            ["button", ".header-search button"],
            ["search highlight (mark)", "mark"],
            ["footer", ".footer p"],
          ];
          const bgOf = (el) => {
            for (let e = el; e; e = e.parentElement) {
              const c = getComputedStyle(e).backgroundColor;
              if (c && !/rgba\(.*,\s*0\)$/.test(c) && c !== "transparent") return c;
            }
            return getComputedStyle(document.documentElement).backgroundColor;
          };
          const out = [];
          for (const [label, selector] of targets) {
            const el = document.querySelector(selector);
            if (!el) continue;
            out.push({ label, fg: getComputedStyle(el).color, bg: bgOf(el) });
          }
          return out;
        });
        for (const r of rows) if (!measured.some((m) => m.label === r.label)) measured.push(r);
      }
      await context.close();
      const failing = [];
      const lines = measured.map((m) => {
        const ratio = contrast(parseColor(m.fg), parseColor(m.bg));
        if (ratio < 4.5) failing.push(`${m.label} ${ratio.toFixed(2)}`);
        return `${m.label} ${ratio.toFixed(2)}`;
      });
      assert(failing.length === 0, `below 4.5:1: ${failing.join(", ")}`);
      assert(measured.length >= 10, `only ${measured.length} pairs measured`);
      return lines.join("; ");
    });
  }

  // g. Screenshots.
  await check("g. screenshots (home and article; light and dark; 360×800 and 1280×900)", async () => {
    const saved = [];
    for (const scheme of ["light", "dark"]) {
      for (const [size, viewport] of [["360x800", MOBILE], ["1280x900", DESKTOP]]) {
        const context = await newContext({ colorScheme: scheme, viewport });
        const page = await context.newPage();
        for (const [name, path] of [["home", "/"], ["article", urls.article]]) {
          await page.goto(BASE + path);
          await loadAllImages(page);
          const file = join(ARTIFACTS, `${name}-${scheme}-${size}.png`);
          await page.screenshot({ path: file, fullPage: true });
          saved.push(file);
        }
        await context.close();
      }
    }
    return `${saved.length} files in ${ARTIFACTS}`;
  });
}

let fatal = null;
try {
  await main();
} catch (e) {
  fatal = e;
  report("browser run", false, e && e.stack ? e.stack : String(e));
} finally {
  if (browser) await browser.close().catch(() => {});
}

const failed = results.filter((r) => !r.ok).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed || fatal ? 1 : 0);
