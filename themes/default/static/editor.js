// The back office's article editor: turns the body's <textarea data-editor> into a block
// editor (paragraphs, headings, quotes, lists, images, embeds, dividers) with a toolbar.
//
// Progressive enhancement. Without this script the textarea is the editor. With it, the
// textarea stays in the form, hidden and rewritten after every change, so the form posts
// `body_html` exactly as before; the toolbar's «HTML source» toggle shows it again for
// editing by hand (and the surface reads it back, through the allow-list, when it closes).
// The server parses and sanitises whatever arrives: this script's own allow-list exists so
// that what the editor shows is what will be published, and so that nothing pasted or loaded
// into the editor can run in the back office. No framework and no build step.
//
// Three parts:
//   1. Pure functions on HTML (no page state): reading any HTML — a stored body, a paste from
//      Google Docs or Word, the editor's own surface — into a list of blocks, and writing
//      blocks back as the HTML the server expects. Exposed as window.MidadEditor.
//   2. The editor: surface, toolbar, keyboard, paste and drop, undo history, dialogs.
//   3. Autosave, when the form carries data-autosave-url.
//
// Every string shown comes from data-editor-* attributes on the textarea (and data-* on
// #autosave-status) so that it follows the site's language. CSP: no inline script, no eval,
// no style attributes — looks are classes in style.css.

(() => {
  "use strict";

  // ================================================================ 1. HTML in, blocks out

  // A block is one of:
  //   {type: "p", html}                       inline HTML: strong, em, a[href], br
  //   {type: "h", level: 2|3|4, html}
  //   {type: "quote", html, cite}
  //   {type: "list", ordered, items: [html]}
  //   {type: "hr"}
  //   {type: "image", src, alt, caption, credit, mediaId}
  //   {type: "embed", url}
  //   {type: "raw", html}                     a table or code listing, kept as it was
  // Inline HTML in blocks is always written by `renderRuns` below, never copied from input.

  /** Removed together with everything inside them. */
  const DROPPED = new Set([
    "script", "style", "template", "noscript", "head", "title", "meta", "link", "base",
    "iframe", "frame", "frameset", "object", "embed", "applet", "param", "svg", "math",
    "video", "audio", "source", "track", "canvas", "map", "area", "img", "input", "button",
    "select", "option", "optgroup", "datalist", "textarea", "wbr", "o:p", "xml", "dialog",
  ]);

  /** Elements that end a line when met inside a paragraph, and that make a wrapper a wrapper. */
  const BLOCKISH = [
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "table",
    "thead", "tbody", "tfoot", "tr", "td", "th", "caption", "pre", "hr", "figure", "figcaption",
    "section", "article", "header", "footer", "aside", "nav", "main", "dl", "dt", "dd",
    "address", "center", "form", "details", "summary", "fieldset", "legend", "hgroup",
    "listing", "xmp", "plaintext",
  ];
  const BLOCKISH_SET = new Set(BLOCKISH);
  const BLOCKISH_SELECTOR = BLOCKISH.join(",");

  /** Elements whose content is one paragraph (unless they hold blocks). */
  const TEXT_BLOCKS = new Set([
    "p", "li", "dt", "dd", "address", "summary", "legend", "figcaption", "td", "th", "caption",
  ]);

  /** Kept whole, as the server keeps them (stored bodies only; a paste loses them). */
  const RAW = new Set(["table", "pre", "dl", "listing", "xmp", "plaintext"]);

  /**
   * Inline elements a stored body may hold that the editor never creates; kept so that
   * editing an old article does not strip them (the server allows them too). Order is the
   * order they nest in when written.
   */
  const PRESERVED = ["sup", "sub", "code", "mark", "s", "u"];

  const HEADING_LEVEL = { h1: 2, h2: 2, h3: 3, h4: 4, h5: 4, h6: 4 };

  const escapeHtml = (s) =>
    String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

  const collapse = (s) => String(s || "").replace(/\s+/g, " ").trim();

  /**
   * The link target to keep, or null: http(s) with a host, mailto:, or a path on this site.
   * Checked as a browser reads it (tabs and newlines ignored, ends trimmed), so neither
   * `java\tscript:` nor `/\evil.example` gets through.
   */
  function safeHref(raw) {
    if (typeof raw !== "string") return null;
    const url = raw.replace(/[\t\n\r]/g, "").replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, "");
    if (!url || /[\u0000-\u001f\u007f]/.test(url)) return null;
    if (url.startsWith("/")) return /^[/\\]{2}/.test(url) ? null : url;
    let parsed;
    try {
      parsed = new URL(url);
    } catch {
      return null;
    }
    if (parsed.protocol === "http:" || parsed.protocol === "https:") return parsed.host ? url : null;
    if (parsed.protocol === "mailto:") return url.length > "mailto:".length ? url : null;
    return null;
  }

  /** An image address the server keeps: http(s), or relative but not `//host`. */
  function isSafeImage(raw) {
    const url = String(raw || "").replace(/[\t\n\r]/g, "").trim();
    if (!url || /^[/\\]{2}/.test(url)) return false;
    if (!/^[a-z][a-z0-9+.-]*:/i.test(url)) return true;
    try {
      const u = new URL(url);
      return (u.protocol === "http:" || u.protocol === "https:") && !!u.host;
    } catch {
      return false;
    }
  }

  /** Only the site's own media are shown in the editor; other images stay cards. */
  const isMediaPath = (src) => /^\/media\/[^\s?#]+$/.test(src) && !src.includes("..");

  const isWebUrl = (raw) => {
    try {
      const u = new URL(String(raw).trim());
      return (u.protocol === "http:" || u.protocol === "https:") && !!u.host;
    } catch {
      return false;
    }
  };

  /**
   * The platform of a post or video address that can be embedded ("youtube", "x",
   * "facebook", "telegram", "instagram"), or null. The same rules as the server's
   * `embed::recognise`, so that the editor shows as an embed what will be published as one.
   */
  function embedProvider(raw) {
    let s = String(raw || "").trim();
    if (s.startsWith("//")) s = "https:" + s;
    let u;
    try {
      u = new URL(s);
    } catch {
      return null;
    }
    if (u.protocol !== "http:" && u.protocol !== "https:") return null;
    const host = u.hostname.replace(/^(www|m|mobile|web)\./, "");
    const seg = u.pathname.split("/").filter(Boolean);
    const token = (t) => /^[A-Za-z0-9_-]{1,100}$/.test(t || "");
    const number = (t) => /^[0-9]{1,30}$/.test(t || "");
    switch (host) {
      case "youtube.com":
      case "youtube-nocookie.com":
        if (seg.length === 1 && seg[0] === "watch") return token(u.searchParams.get("v")) ? "youtube" : null;
        return ["embed", "shorts", "live", "v"].includes(seg[0]) && token(seg[1]) ? "youtube" : null;
      case "youtu.be":
        return token(seg[0]) ? "youtube" : null;
      case "twitter.com":
      case "x.com":
        return seg.length >= 3 && token(seg[0]) && (seg[1] === "status" || seg[1] === "statuses") && number(seg[2])
          ? "x"
          : null;
      case "t.me":
      case "telegram.me": {
        const post = seg.length === 3 && seg[0] === "s" ? seg.slice(1) : seg;
        return post.length === 2 && token(post[0]) && number(post[1]) ? "telegram" : null;
      }
      case "instagram.com":
        return (["p", "reel", "tv"].includes(seg[0]) && token(seg[1])) ||
          (seg.length >= 3 && ["p", "reel"].includes(seg[1]) && token(seg[2]))
          ? "instagram"
          : null;
      case "facebook.com":
        if (seg[0] === "plugins") {
          const href = u.searchParams.get("href");
          return href && embedProvider(href) === "facebook" ? "facebook" : null;
        }
        return seg.length ? "facebook" : null;
      case "fb.watch":
        return seg.length === 1 && token(seg[0]) ? "facebook" : null;
      default:
        return null;
    }
  }

  /** Elements whose content the HTML parser reads as text, not as tags. */
  const RAW_TEXT = new Set(["script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript", "plaintext"]);

  /**
   * `html` with the style attributes and event handlers of its start tags renamed to
   * data-midad-…, and <style> elements turned into <template>s.
   *
   * Parsing is inert either way — a DOMParser document has no window: nothing in it runs or
   * loads — but the browser still reports each inline style and handler it parses as a
   * violation of the page's CSP, and Google Docs and Word put a style on every element.
   * Renamed, styles are read all the same (`styleOf`) and handlers are plain data. A small
   * scanner that follows the HTML tokenizer's rules for tags, attributes, comments and raw
   * text (a regular expression would take exponential time on some inputs), in one pass.
   */
  function defuse(html) {
    const s = String(html || "");
    const lower = s.toLowerCase();
    const space = (c) => c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f";
    let out = "";
    let i = 0;
    while (i < s.length) {
      const lt = s.indexOf("<", i);
      if (lt < 0) {
        out += s.slice(i);
        break;
      }
      out += s.slice(i, lt);
      i = lt;
      if (s.startsWith("<!--", i)) {
        const end = s.indexOf("-->", i + 4);
        const stop = end < 0 ? s.length : end + 3;
        out += s.slice(i, stop);
        i = stop;
        continue;
      }
      const next = s[i + 1] || "";
      if (next === "!" || next === "?" || next === "/") {
        // Doctypes, bogus comments (Word's <![if …]>) and end tags, up to their ">".
        const end = s.indexOf(">", i + 1);
        const stop = end < 0 ? s.length : end + 1;
        out += lower.startsWith("</style", i) ? "</template" + s.slice(i + 7, stop) : s.slice(i, stop);
        i = stop;
        continue;
      }
      if (!/[a-z]/i.test(next)) {
        out += "<";
        i++;
        continue;
      }
      // A start tag: its name, then its attributes up to ">".
      let j = i + 1;
      while (j < s.length && !space(s[j]) && s[j] !== "/" && s[j] !== ">") j++;
      const name = lower.slice(i + 1, j);
      out += name === "style" ? "<template" : s.slice(i, j);
      while (j < s.length && s[j] !== ">") {
        if (space(s[j]) || s[j] === "/") {
          out += s[j++];
          continue;
        }
        let k = j + 1; // a name may start with "="
        while (k < s.length && !space(s[k]) && s[k] !== "/" && s[k] !== ">" && s[k] !== "=") k++;
        const attribute = s.slice(j, k);
        out += /^(style$|on)/i.test(attribute) ? "data-midad-" + attribute : attribute;
        j = k;
        let m = j;
        while (m < s.length && space(s[m])) m++;
        if (s[m] !== "=") continue;
        m++;
        while (m < s.length && space(s[m])) m++;
        if (s[m] === '"' || s[m] === "'") {
          const close = s.indexOf(s[m], m + 1);
          m = close < 0 ? s.length : close + 1;
        } else {
          while (m < s.length && !space(s[m]) && s[m] !== ">") m++;
        }
        out += s.slice(j, m);
        j = m;
      }
      if (j < s.length) {
        out += ">";
        j++;
      }
      i = j;
      if (RAW_TEXT.has(name)) {
        // Copied as it is up to the end tag: inside, "<img onerror=…>" is text.
        const close = lower.indexOf("</" + name, i);
        const stop = close < 0 ? s.length : close;
        out += s.slice(i, stop);
        i = stop;
      }
    }
    return out;
  }

  /** An inert document of `html`, to read from; nothing of it ever enters the page as is. */
  const parseInert = (html) => new DOMParser().parseFromString(defuse(html), "text/html");

  const styleOf = (el) => el.getAttribute("data-midad-style") || el.getAttribute("style") || "";

  // ---------------------------------------------------------------- inline text as runs

  // Inline content is read into "runs": pieces of text that each know whether they are bold,
  // italic and inside a link, plus line breaks. Reading into runs rather than copying
  // elements is what turns Google Docs' <span style="font-weight:700"> into <strong>, and
  // what undoes its <b style="font-weight:normal"> wrapper; writing runs back out gives one
  // canonical markup whatever came in.

  const PLAIN = Object.freeze({ href: null, b: false, i: false, keep: Object.freeze([]), pre: false });

  /** The formatting an element's tag and style attribute give its content. */
  function formatOf(el, state) {
    const name = el.localName;
    let next = state;
    const set = (k, v) => {
      if (next[k] !== v) next = { ...next, [k]: v };
    };
    if (name === "b" || name === "strong") set("b", true);
    if (name === "i" || name === "em") set("i", true);
    if (name === "a" && !state.href) {
      const href = safeHref(el.getAttribute("href"));
      if (href) set("href", href);
    }
    if (PRESERVED.includes(name) && !state.keep.includes(name)) set("keep", [...state.keep, name]);
    if (name === "pre" || name === "listing" || name === "xmp" || name === "plaintext") set("pre", true);
    const style = styleOf(el);
    if (style) {
      // Declarations one by one: Word's `mso-bidi-font-weight` is not `font-weight`.
      for (const decl of style.split(";")) {
        const colon = decl.indexOf(":");
        if (colon < 0) continue;
        const prop = decl.slice(0, colon).trim().toLowerCase();
        const value = decl.slice(colon + 1).trim().toLowerCase().replace(/\s*!important$/, "");
        if (prop === "font-weight") set("b", value === "bold" || value === "bolder" || parseInt(value, 10) >= 600);
        else if (prop === "font-style") set("i", value === "italic" || value.startsWith("oblique"));
      }
    }
    return next;
  }

  /** Word's list bullet: `<span style="mso-list:Ignore">·&nbsp;&nbsp;</span>`. */
  const isMsoIgnore = (el) =>
    el.localName === "span" && /mso-list\s*:\s*ignore/i.test(styleOf(el));

  /** Reads the children of `parent` into `runs`. */
  function collectChildren(parent, state, opts, runs) {
    // Word wraps each list bullet in <![if !supportLists]> … <![endif]> (read as comments):
    // what lies between is the bullet, not the text.
    let skipping = false;
    for (const node of parent.childNodes) {
      if (node.nodeType === Node.COMMENT_NODE) {
        const data = node.data.trim();
        if (/^\[if !supportLists\]/i.test(data)) skipping = true;
        else if (/^\[endif\]/i.test(data)) skipping = false;
        continue;
      }
      if (!skipping) collectNode(node, state, opts, runs);
    }
    return runs;
  }

  /** Reads one node into `runs`. */
  function collectNode(node, state, opts, runs) {
    if (node.nodeType === Node.TEXT_NODE) {
      if (state.pre) {
        node.data.split("\n").forEach((line, k) => {
          if (k) runs.push({ br: true });
          runs.push({ ...state, text: line });
        });
      } else {
        runs.push({ ...state, text: node.data });
      }
      return runs;
    }
    if (node.nodeType !== Node.ELEMENT_NODE) return runs;
    const name = node.localName;
    if (DROPPED.has(name) || isMsoIgnore(node)) return runs;
    if (name === "br") {
      runs.push({ br: true });
      return runs;
    }
    // A block inside a paragraph (a list item's <p>, a table cell) is a line of its own.
    const block = BLOCKISH_SET.has(name);
    if (block) runs.push({ br: true, soft: true });
    collectChildren(node, formatOf(node, state), opts, runs);
    if (block) runs.push({ br: true, soft: true });
    return runs;
  }

  /**
   * Writes runs as inline HTML: whitespace collapsed, no spaces or breaks at the ends, the
   * line breaks that blocks stood for merged. Returns {html, text, links}.
   */
  function renderRuns(input, { bold = true } = {}) {
    // Whitespace, in the runs' own order: collapse, then trim at line starts and ends.
    const runs = [];
    for (const r of input) {
      if (r.br) runs.push(r);
      else {
        const text = r.text.replace(/\s+/g, " ");
        if (text) runs.push({ ...r, text, b: bold && r.b });
      }
    }
    let lineStart = true;
    let afterSpace = false;
    for (const r of runs) {
      if (r.br) {
        lineStart = true;
        afterSpace = false;
        continue;
      }
      if (lineStart || afterSpace) r.text = r.text.replace(/^ /, "");
      if (r.text) {
        lineStart = false;
        afterSpace = r.text.endsWith(" ");
      }
    }
    let lineEnd = true;
    for (let k = runs.length - 1; k >= 0; k--) {
      const r = runs[k];
      if (r.br) {
        lineEnd = true;
        continue;
      }
      if (lineEnd) r.text = r.text.replace(/ $/, "");
      if (r.text) lineEnd = false;
    }
    // Breaks: a run of them that a block boundary took part in counts once (or as many as
    // were typed); none at the ends.
    const items = [];
    let k = 0;
    while (k < runs.length) {
      const r = runs[k];
      if (!r.br) {
        if (r.text) items.push(r);
        k++;
        continue;
      }
      let hard = 0;
      let soft = false;
      while (k < runs.length && (runs[k].br || !runs[k].text)) {
        if (runs[k].br) {
          if (runs[k].soft) soft = true;
          else hard++;
        }
        k++;
      }
      const count = soft ? Math.max(1, hard) : hard;
      for (let n = 0; n < count; n++) items.push({ br: true });
    }
    while (items.length && items[0].br) items.shift();
    while (items.length && items[items.length - 1].br) items.pop();

    // Markup: the tags each run needs, opened and closed as the runs change.
    let html = "";
    let text = "";
    const links = [];
    let open = [];
    const wanted = (r) => {
      const stack = [];
      if (r.href) stack.push({ id: "a " + r.href, start: `<a href="${escapeHtml(r.href)}">`, end: "</a>" });
      if (r.b) stack.push({ id: "strong", start: "<strong>", end: "</strong>" });
      if (r.i) stack.push({ id: "em", start: "<em>", end: "</em>" });
      for (const tag of PRESERVED) {
        if (r.keep.includes(tag)) stack.push({ id: tag, start: `<${tag}>`, end: `</${tag}>` });
      }
      return stack;
    };
    for (const r of items) {
      if (r.br) {
        html += "<br>";
        text += "\n";
        continue;
      }
      const want = wanted(r);
      let same = 0;
      while (same < open.length && same < want.length && open[same].id === want[same].id) same++;
      for (let n = open.length - 1; n >= same; n--) html += open[n].end;
      for (let n = same; n < want.length; n++) html += want[n].start;
      open = want;
      html += escapeHtml(r.text);
      text += r.text;
      if (r.href && !links.includes(r.href)) links.push(r.href);
    }
    for (let n = open.length - 1; n >= 0; n--) html += open[n].end;
    return { html, text, links };
  }

  // ---------------------------------------------------------------- blocks

  /** A paragraph, or the embed it stands for when it holds nothing but a post's address. */
  function pushParagraph(blocks, rendered) {
    const text = rendered.text.trim();
    if (!text) return;
    if (embedProvider(text)) blocks.push({ type: "embed", url: text });
    else blocks.push({ type: "p", html: rendered.html });
  }

  /** Word marks list paragraphs with `mso-list:l0 level1 lfo1` in their style. */
  function isWordListItem(el) {
    if (el.localName !== "p") return false;
    if (/mso-list\s*:\s*l\d+/i.test(styleOf(el))) return true;
    return /MsoListParagraph/i.test(el.getAttribute("class") || "") && wordMarker(el) !== "";
  }

  /** The bullet or number Word wrote before a list paragraph's text. */
  function wordMarker(p) {
    let marker = "";
    let inside = false;
    const walker = p.ownerDocument.createTreeWalker(p, NodeFilter.SHOW_COMMENT | NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const n = walker.currentNode;
      if (n.nodeType === Node.COMMENT_NODE) {
        const data = n.data.trim();
        if (/^\[if !supportLists\]/i.test(data)) inside = true;
        else if (/^\[endif\]/i.test(data) && inside) break;
      } else if (inside) {
        marker += n.data;
      }
    }
    if (!marker) {
      const ignored = [...p.querySelectorAll("span")].find(isMsoIgnore);
      if (ignored) marker = ignored.textContent;
    }
    return marker.replace(/\s+/g, " ").trim();
  }

  /** "1.", "(a)", "iv.", "أ." are numbers; "·", "o", "§", "•" are bullets. */
  const isNumberMarker = (marker) =>
    /^[([]?([0-9\u0660-\u0669\u06f0-\u06f9]+|[a-z]{1,4}|[\u0621-\u064a]{1,2})[.)\]-]/i.test(marker);

  function headingBlock(el, opts) {
    // A heading is bold already: bold inside it says nothing.
    const r = renderRuns(collectChildren(el, PLAIN, opts, []), { bold: false });
    return r.text.trim() ? { type: "h", level: HEADING_LEVEL[el.localName], html: r.html } : null;
  }

  function listBlock(el, opts) {
    const items = [];
    for (const item of el.children) {
      if (DROPPED.has(item.localName)) continue;
      const r = renderRuns(collectChildren(item, formatOf(item, PLAIN), opts, []));
      if (r.text.trim()) items.push(r.html);
    }
    return items.length ? { type: "list", ordered: el.localName === "ol", items } : null;
  }

  function quoteBlock(el, opts) {
    // X's and Instagram's embed code: a blockquote standing for the post.
    if (el.classList.contains("twitter-tweet") || el.classList.contains("instagram-media")) {
      const candidates = [
        el.getAttribute("data-instgrm-permalink"),
        ...[...el.querySelectorAll("a[href]")].map((a) => a.getAttribute("href")).reverse(),
      ];
      const url = candidates.find((u) => u && embedProvider(u));
      if (url) return { type: "embed", url: url.trim() };
    }
    const runs = [];
    let cite = "";
    for (const child of el.childNodes) {
      if (child.nodeType === Node.ELEMENT_NODE && (child.localName === "cite" || child.localName === "footer")) {
        cite += " " + child.textContent;
      } else {
        collectNode(child, PLAIN, opts, runs);
      }
    }
    const r = renderRuns(runs);
    if (!r.text.trim()) return null;
    // Without its script, an embedded post is a quote of its text with one link to it.
    if (r.links.length === 1 && embedProvider(r.links[0])) return { type: "embed", url: r.links[0] };
    if (opts.editor && el.dataset.cite) cite = el.dataset.cite;
    cite = collapse(cite).replace(/^[—–―\-\s]+/, "");
    return { type: "quote", html: r.html, cite };
  }

  function imageBlock(img, figure) {
    const src = ["src", "data-src", "data-lazy-src"]
      .map((a) => (img.getAttribute(a) || "").trim())
      .find((s) => s && isSafeImage(s));
    if (!src) return null;
    const id = ((figure && figure.getAttribute("data-media-id")) || img.getAttribute("data-media-id") || "").trim();
    let caption = "";
    let credit = "";
    const figcaption = figure && figure.querySelector("figcaption");
    if (figcaption) {
      const creditEl = figcaption.querySelector(".credit");
      credit = creditEl ? collapse(creditEl.textContent) : "";
      const copy = figcaption.cloneNode(true);
      for (const c of copy.querySelectorAll(".credit")) c.remove();
      caption = collapse(copy.textContent);
    }
    return {
      type: "image",
      src,
      alt: collapse(img.getAttribute("alt")),
      caption,
      credit,
      mediaId: /^\d+$/.test(id) ? id : "",
    };
  }

  function figureBlock(el) {
    if (el.classList.contains("embed") && el.hasAttribute("data-embed-url")) {
      const url = el.getAttribute("data-embed-url").trim();
      if (embedProvider(url) || isWebUrl(url)) return { type: "embed", url };
    }
    const images = el.querySelectorAll("img");
    return images.length === 1 ? imageBlock(images[0], el) : null;
  }

  /** The editor's own cards (images, embeds, HTML blocks) read back. */
  function atomBlock(el) {
    if (el.classList.contains("editor-image")) {
      const caption = el.querySelector("figcaption");
      return {
        type: "image",
        src: el.dataset.src || "",
        alt: el.dataset.alt || "",
        caption: collapse(caption ? caption.textContent : ""),
        credit: el.dataset.credit || "",
        mediaId: el.dataset.mediaId || "",
      };
    }
    if (el.classList.contains("editor-embed")) return { type: "embed", url: el.dataset.embedUrl || "" };
    if (el.classList.contains("editor-raw")) return { type: "raw", html: el.dataset.raw || "" };
    return null;
  }

  /**
   * Reads the children of `root` into blocks.
   *
   * opts.paste: a paste — keeps only paragraphs, headings, lists, quotes and inline
   *   formatting (no images, dividers, tables or embed code from the clipboard).
   * opts.editor: the editor's surface — its cards are read back too.
   * Neither: a stored body (the textarea's HTML) — also images, embeds, dividers, tables.
   */
  function readBlocks(root, opts = {}) {
    const blocks = [];
    let runs = [];
    const flush = () => {
      if (runs.length) pushParagraph(blocks, renderRuns(runs));
      runs = [];
    };
    const add = (block) => {
      flush();
      if (block) blocks.push(block);
    };
    // Bare text outside any paragraph follows plain-text rules, as on the server: a blank
    // line starts a paragraph, a newline is a line break.
    const flowText = (text) => {
      text.split(/\n[^\S\n]*\n/).forEach((piece, k) => {
        if (k) flush();
        piece.split("\n").forEach((line, j) => {
          if (j) runs.push({ br: true });
          if (line) runs.push({ ...PLAIN, text: line });
        });
      });
    };
    const wordItem = (p) => {
      flush();
      const [, id = "", level = "1"] = /mso-list\s*:\s*(l\d+)(?:\s+level(\d+))?/i.exec(styleOf(p)) || [];
      const ordered = isNumberMarker(wordMarker(p));
      const r = renderRuns(collectChildren(p, PLAIN, opts, []));
      if (!r.text.trim()) return;
      const last = blocks[blocks.length - 1];
      // Sub-levels join the list they belong to, flattened (a body's lists have one level).
      if (last && last.type === "list" && last.word === id && last.open && (last.ordered === ordered || level !== "1")) {
        last.items.push(r.html);
      } else {
        if (last) delete last.open;
        blocks.push({ type: "list", ordered, items: [r.html], word: id, open: true });
      }
    };
    const readFlow = (parent) => {
      for (const node of parent.childNodes) {
        if (node.nodeType === Node.TEXT_NODE) {
          if (runs.length || /\S/.test(node.data)) flowText(node.data);
          continue;
        }
        if (node.nodeType !== Node.ELEMENT_NODE) continue;
        const el = node;
        const name = el.localName;
        // A Word list is only one list while its paragraphs follow each other.
        const last = blocks[blocks.length - 1];
        if (last && last.open && !isWordListItem(el) && name !== "br") delete last.open;

        if (opts.editor && el.classList.contains("editor-atom")) {
          add(atomBlock(el));
        } else if (!opts.paste && name === "img") {
          const block = imageBlock(el, null);
          if (block) add(block);
        } else if (!opts.paste && name === "iframe") {
          const src = el.getAttribute("src") || "";
          if (embedProvider(src)) add({ type: "embed", url: src.trim() });
        } else if (DROPPED.has(name) || isMsoIgnore(el)) {
          // gone, with what it holds
        } else if (isWordListItem(el)) {
          wordItem(el);
        } else if (name === "br") {
          runs.push({ br: true });
        } else if (HEADING_LEVEL[name]) {
          add(headingBlock(el, opts));
        } else if (name === "blockquote") {
          add(quoteBlock(el, opts));
        } else if (name === "ul" || name === "ol") {
          add(listBlock(el, opts));
        } else if (name === "hr") {
          add(opts.paste ? null : { type: "hr" });
        } else if (!opts.paste && name === "figure" && figureBlock(el)) {
          add(figureBlock(el));
        } else if (!opts.paste && name === "div" && el.classList.contains("body-html")) {
          add(el.innerHTML.trim() ? { type: "raw", html: el.innerHTML } : null);
        } else if (!opts.paste && RAW.has(name)) {
          add({ type: "raw", html: el.outerHTML });
        } else if (!opts.paste && el.querySelector("img, iframe")) {
          // As on the server: a paragraph or link around an image is looked into, so that
          // the image becomes a block of its own rather than vanish.
          flush();
          readFlow(el);
          flush();
        } else if (el.querySelector(BLOCKISH_SELECTOR) || (BLOCKISH_SET.has(name) && !TEXT_BLOCKS.has(name) && !RAW.has(name))) {
          // Wrappers (div, section, Google Docs' <b id="docs-internal-guid-…">) are read
          // through; what they hold makes its own blocks.
          flush();
          readFlow(el);
          flush();
        } else if (TEXT_BLOCKS.has(name) || RAW.has(name)) {
          flush();
          collectChildren(el, formatOf(el, PLAIN), opts, runs);
          flush();
        } else {
          // Any other element holding only text joins the paragraph around it.
          collectNode(el, PLAIN, opts, runs);
        }
      }
    };
    readFlow(root);
    flush();
    for (const b of blocks) {
      delete b.word;
      delete b.open;
    }
    return blocks;
  }

  /** Blocks as the HTML the server reads (`midad_core::body::from_html`), one per line. */
  function blocksToHtml(blocks) {
    const out = [];
    for (const b of blocks) {
      switch (b.type) {
        case "p":
          out.push(`<p>${b.html}</p>`);
          break;
        case "h":
          out.push(`<h${b.level}>${b.html}</h${b.level}>`);
          break;
        case "quote":
          out.push(`<blockquote><p>${b.html}</p>${b.cite ? `<cite>${escapeHtml(b.cite)}</cite>` : ""}</blockquote>`);
          break;
        case "list": {
          const tag = b.ordered ? "ol" : "ul";
          out.push(`<${tag}>${b.items.map((item) => `<li>${item}</li>`).join("")}</${tag}>`);
          break;
        }
        case "hr":
          out.push("<hr>");
          break;
        case "image": {
          if (!isSafeImage(b.src)) break;
          const id = /^\d+$/.test(b.mediaId || "") ? ` data-media-id="${b.mediaId}"` : "";
          const caption = [b.caption ? escapeHtml(b.caption) : "", b.credit ? `<span class="credit">${escapeHtml(b.credit)}</span>` : ""]
            .filter(Boolean)
            .join(" ");
          out.push(
            `<figure${id}><img src="${escapeHtml(b.src)}" alt="${escapeHtml(b.alt || "")}">` +
              (caption ? `<figcaption>${caption}</figcaption>` : "") +
              "</figure>",
          );
          break;
        }
        case "embed": {
          if (!embedProvider(b.url) && !isWebUrl(b.url)) break;
          const url = escapeHtml(b.url.trim());
          out.push(`<figure class="embed" data-embed-url="${url}"><a href="${url}">${url}</a></figure>`);
          break;
        }
        case "raw":
          // The server sanitises it again (`sanitize_block`); the editor never shows it as HTML.
          out.push(`<div class="body-html">${b.html}</div>`);
          break;
      }
    }
    return out.join("\n");
  }

  /** Plain text as blocks: blank lines separate paragraphs, newlines are line breaks. */
  function textBlocks(text) {
    const blocks = [];
    for (const chunk of String(text || "").replace(/\r\n?/g, "\n").split(/\n[^\S\n]*\n/)) {
      const runs = [];
      chunk.split("\n").forEach((line, k) => {
        if (k) runs.push({ br: true });
        runs.push({ ...PLAIN, text: line });
      });
      pushParagraph(blocks, renderRuns(runs));
    }
    return blocks;
  }

  /** Pasted HTML as blocks; a document that cannot be read falls back to its text. */
  function pastedBlocks(html, text) {
    if (html) {
      try {
        return readBlocks(parseInert(html).body, { paste: true });
      } catch {
        // A pathological paste (say, nesting deeper than the stack) keeps its words.
      }
    }
    return textBlocks(text);
  }

  /** What a paste of this HTML puts into the body: the clean HTML of the kept blocks. */
  const cleanPastedHtml = (html) => blocksToHtml(readBlocks(parseInert(html).body, { paste: true }));

  /** What a paste of this plain text puts into the body. */
  const cleanPastedText = (text) => blocksToHtml(textBlocks(text));

  /** A stored body as the editor reads and will write it. */
  const normalizeBody = (html) => blocksToHtml(readBlocks(parseInert(html).body));

  // ================================================================ 2. The editor

  const TEXT_TAGS = new Set(["p", "h2", "h3", "h4", "blockquote", "li"]);

  /** Key combinations, by `KeyboardEvent.code` so they work on an Arabic keyboard layout. */
  const SHORTCUTS = {
    bold: { code: "KeyB", text: "Ctrl+B", aria: "Control+B" },
    italic: { code: "KeyI", text: "Ctrl+I", aria: "Control+I" },
    link: { code: "KeyK", text: "Ctrl+K", aria: "Control+K" },
    paragraph: { code: "Digit0", alt: true, text: "Ctrl+Alt+0", aria: "Control+Alt+0" },
    heading: { code: "Digit2", alt: true, text: "Ctrl+Alt+2", aria: "Control+Alt+2" },
    subheading: { code: "Digit3", alt: true, text: "Ctrl+Alt+3", aria: "Control+Alt+3" },
  };

  /** The toolbar: groups of [command, pressable]. */
  const TOOLBAR = [
    [["paragraph", true], ["heading", true], ["subheading", true], ["quote", true], ["bullets", true], ["numbers", true]],
    [["bold", true], ["italic", true], ["link", true]],
    [["divider", false], ["image", false], ["embed", false]],
    [["html", true]],
  ];

  const isElement = (n) => !!n && n.nodeType === Node.ELEMENT_NODE;

  /** Cards (images, embeds, HTML blocks) and dividers: blocks with no text to type in. */
  const isAtom = (n) => isElement(n) && (n.localName === "hr" || n.classList.contains("editor-atom"));

  const isList = (n) => isElement(n) && (n.localName === "ul" || n.localName === "ol");

  /** A block holding no text (a lone <br> placeholder does not count). */
  const isEmptyBlock = (el) => !el.textContent.replace(/[\s\u200b]/g, "") && !el.querySelector("img");

  function make(tag, attrs = {}, text) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v !== null && v !== undefined && v !== false) el.setAttribute(k, v === true ? "" : v);
    }
    if (text !== undefined) el.textContent = text;
    return el;
  }

  /** Inline HTML written by renderRuns, as nodes (parsed in an inert template). */
  function inlineNodes(html) {
    const t = document.createElement("template");
    t.innerHTML = html;
    return t.content;
  }

  function textElement(tag, html) {
    const el = make(tag, { dir: "auto" });
    if (html) el.append(inlineNodes(html));
    if (!el.firstChild) el.append(make("br"));
    return el;
  }

  /** Where the caret can go in an empty block, and what keeps the block's height. */
  function fillEmpty(el) {
    if (!el.textContent && !el.querySelector("br, img")) el.append(make("br"));
  }

  /** Removes inline elements left empty by a split or a deletion. */
  function pruneEmptyInline(el) {
    for (const child of [...el.querySelectorAll("b, strong, i, em, a, span:not(.editor-mark), sup, sub, code, mark, s, u")]) {
      if (!child.textContent && !child.querySelector("br, img")) child.remove();
    }
  }

  function placeCaret(el, atEnd) {
    const r = document.createRange();
    if (atEnd) {
      r.selectNodeContents(el);
      r.collapse(false);
      const last = el.lastChild;
      if (last && last.nodeName === "BR") r.setStartBefore(last);
    } else {
      r.setStart(el, 0);
    }
    r.collapse(true);
    const sel = document.getSelection();
    sel.removeAllRanges();
    sel.addRange(r);
  }

  /** Whether nothing visible lies between the start (or end) of `block` and the boundary. */
  function atEdge(block, r, end) {
    const probe = document.createRange();
    probe.selectNodeContents(block);
    if (end) probe.setStart(r.endContainer, r.endOffset);
    else probe.setEnd(r.startContainer, r.startOffset);
    const frag = probe.cloneContents();
    return !frag.textContent.replace(/\u200b/g, "") && !frag.querySelector("img, hr") &&
      (end ? [...frag.querySelectorAll("br")].length <= 1 : !frag.querySelector("br"));
  }

  /** Undo and redo of everything the editor does, typing in bursts (the browser's own
   *  history cannot follow the editor's DOM changes, so the editor keeps its own). */
  class History {
    constructor(editor) {
      this.editor = editor;
      this.undos = [];
      this.redos = [];
      this.burst = null;
    }

    snapshot() {
      // The browser sometimes leaves an empty style attribute behind; restored, it would be
      // reported as a CSP violation.
      for (const el of this.editor.root.querySelectorAll("[style]")) el.removeAttribute("style");
      return { html: this.editor.root.innerHTML, sel: this.editor.selectionPath() };
    }

    /** Before a change made by a command: the state to come back to. */
    record() {
      this.endBurst();
      this.push(this.snapshot());
      this.redos = [];
    }

    /** Before the browser changes the text: one undo step per burst of typing. */
    typing() {
      if (!this.burst) {
        this.push(this.snapshot());
        this.redos = [];
      }
      clearTimeout(this.burst);
      this.burst = setTimeout(() => this.endBurst(), 1000);
    }

    endBurst() {
      clearTimeout(this.burst);
      this.burst = null;
    }

    push(state) {
      const top = this.undos[this.undos.length - 1];
      if (top && top.html === state.html) return;
      this.undos.push(state);
      if (this.undos.length > 200) this.undos.shift();
    }

    undo() {
      this.move(this.undos, this.redos);
    }

    redo() {
      this.move(this.redos, this.undos);
    }

    move(from, to) {
      this.endBurst();
      const now = this.snapshot();
      let state = from.pop();
      while (state && state.html === now.html) state = from.pop();
      if (!state) return;
      to.push(now);
      // The editor's own earlier content, not new input: it went through the same cleaning.
      this.editor.root.innerHTML = state.html;
      this.editor.restorePath(state.sel);
      this.editor.changed();
    }

    clear() {
      this.endBurst();
      this.undos = [];
      this.redos = [];
    }
  }

  /** A small modal asking for one address (links and embeds). */
  class UrlDialog {
    constructor(label) {
      this.label = label;
      this.dialog = make("dialog", { class: "editor-dialog", "aria-labelledby": "editor-url-label" });
      this.form = make("form", { method: "dialog", class: "editor-dialog-form" });
      this.title = make("label", { for: "editor-url-input", id: "editor-url-label" });
      this.input = make("input", {
        id: "editor-url-input", type: "text", dir: "ltr", inputmode: "url", autocomplete: "off",
        spellcheck: "false", "aria-describedby": "editor-url-problem",
      });
      this.problem = make("p", { id: "editor-url-problem", class: "form-problem", "aria-live": "assertive" });
      const actions = make("div", { class: "editor-dialog-actions" });
      this.ok = make("button", { type: "submit" }, label("insert"));
      const cancel = make("button", { type: "button", class: "editor-secondary" }, label("cancel"));
      actions.append(this.ok, cancel);
      this.form.append(this.title, this.input, this.problem, actions);
      this.dialog.append(this.form);
      document.body.append(this.dialog);
      this.form.addEventListener("submit", (e) => {
        e.preventDefault();
        const checked = this.check(this.input.value);
        if (checked.error) {
          this.problem.textContent = checked.error;
          this.input.setAttribute("aria-invalid", "true");
          this.input.focus();
        } else {
          this.finish(checked.value);
        }
      });
      cancel.addEventListener("click", () => this.finish(null));
      // Escape closes the dialog; a dialog already reopened for another question is not it.
      this.dialog.addEventListener("close", () => {
        if (!this.dialog.open) this.finish(null);
      });
    }

    /** Resolves to the checked address, or null when cancelled. */
    ask({ title, value, check }) {
      this.finish(null);
      return new Promise((resolve) => {
        this.resolve = resolve;
        this.check = check;
        this.title.textContent = title;
        this.input.value = value || "";
        this.input.removeAttribute("aria-invalid");
        this.problem.textContent = "";
        this.dialog.showModal();
        this.input.focus();
        this.input.select();
      });
    }

    finish(value) {
      const resolve = this.resolve;
      this.resolve = null;
      if (this.dialog.open) this.dialog.close();
      if (resolve) resolve(value);
    }
  }

  /** The media library as a picker: reads /admin/media (the page itself: no JSON endpoint
   *  needed) and uploads to it. */
  class MediaPicker {
    constructor(label, url, csrf) {
      this.label = label;
      this.url = url;
      this.csrf = csrf;
      this.dialog = make("dialog", { class: "editor-dialog editor-media", "aria-labelledby": "editor-media-title" });
      const head = make("div", { class: "editor-dialog-head" });
      head.append(make("h2", { id: "editor-media-title" }, label("media-title")));
      const close = make("button", { type: "button", class: "editor-secondary" }, label("close"));
      head.append(close);
      this.status = make("p", { class: "editor-media-status", "aria-live": "polite" });
      this.list = make("ul", { class: "editor-media-list" });
      // Upload without leaving the editor: the library's own form, posted with fetch.
      const upload = make("details", { class: "editor-media-upload" });
      upload.append(make("summary", {}, label("media-upload")));
      this.upload = make("form", { class: "editor-dialog-form", enctype: "multipart/form-data" });
      const field = (name, text, attrs) => {
        this.upload.append(make("label", { for: `editor-media-${name}` }, text));
        this.upload.append(make("input", { id: `editor-media-${name}`, name, ...attrs }));
      };
      field("file", label("media-file"), { type: "file", accept: "image/jpeg,image/png,image/webp,image/gif", required: true });
      field("alt", label("media-alt"), { dir: "auto" });
      field("caption", label("media-caption"), { dir: "auto" });
      field("credit", label("media-credit"), { dir: "auto" });
      this.upload.append(make("button", { type: "submit" }, label("media-upload")));
      upload.append(this.upload);
      const open = make("a", { href: url, target: "_blank", rel: "noopener" }, label("media-open"));
      const foot = make("p", { class: "editor-media-foot" });
      foot.append(open);
      this.dialog.append(head, this.status, this.list, upload, foot);
      document.body.append(this.dialog);
      close.addEventListener("click", () => this.finish(null));
      this.dialog.addEventListener("close", () => {
        if (!this.dialog.open) this.finish(null);
      });
      this.list.addEventListener("click", (e) => {
        const button = e.target.closest("button[data-index]");
        if (button) this.finish(this.items[Number(button.dataset.index)]);
      });
      this.upload.addEventListener("submit", (e) => {
        e.preventDefault();
        this.send();
      });
    }

    /** Resolves to {src, alt, caption, mediaId} or null. */
    pick() {
      this.finish(null);
      return new Promise((resolve) => {
        this.resolve = resolve;
        this.dialog.showModal();
        this.load(fetch(this.url, { credentials: "same-origin", headers: { Accept: "text/html" } }));
      });
    }

    finish(item) {
      const resolve = this.resolve;
      this.resolve = null;
      if (this.dialog.open) this.dialog.close();
      if (resolve) resolve(item || null);
    }

    async load(request) {
      this.say(this.label("media-loading"));
      let page;
      try {
        const res = await request;
        page = parseInert(await res.text());
        const problems = [...page.querySelectorAll(".form-problem li, p.form-problem")].map((p) => collapse(p.textContent));
        if (problems.length) return this.say(problems.join(" "), true);
        if (!res.ok || !page.querySelector(".media-grid")) return this.say(this.label("media-failed"), true);
      } catch {
        return this.say(this.label("media-failed"), true);
      }
      this.items = [...page.querySelectorAll(".media-grid > li")].map(readMediaItem).filter(Boolean);
      this.list.replaceChildren(
        ...this.items.map((item, index) => {
          const li = make("li");
          const button = make("button", { type: "button", class: "editor-media-item", "data-index": String(index) });
          button.append(make("img", { src: item.src, alt: "", loading: "lazy", decoding: "async" }));
          button.append(make("span", { dir: "auto" }, item.caption || item.alt || item.path));
          li.append(button);
          return li;
        }),
      );
      this.say(this.items.length ? "" : this.label("media-empty"));
      const first = this.list.querySelector("button");
      if (first) first.focus();
    }

    send() {
      const data = new FormData(this.upload);
      data.append("csrf", this.csrf);
      // The library answers a redirect to itself (followed here) or itself with the refusal.
      this.load(fetch(this.url, { method: "POST", body: data, credentials: "same-origin" })).then(() => {
        if (!this.status.classList.contains("is-problem")) this.upload.reset();
      });
    }

    say(text, problem = false) {
      this.status.textContent = text;
      this.status.classList.toggle("is-problem", problem);
    }
  }

  /** One item of the library page: its picture, alt text, caption and id. */
  function readMediaItem(li) {
    const img = li.querySelector("img");
    const src = img && (img.getAttribute("src") || "").trim();
    if (!src || !isMediaPath(src)) return null;
    const deleteForm = li.querySelector('form[action$="/delete"]');
    const fromForm = deleteForm ? (/\/admin\/media\/(\d+)\/delete$/.exec(deleteForm.getAttribute("action")) || [])[1] : "";
    const id = li.getAttribute("data-media-id") || fromForm || "";
    const caption = li.querySelector("p[dir='auto']:not(.meta)");
    const meta = li.querySelector("p.meta");
    return {
      src,
      alt: collapse(img.getAttribute("alt")),
      caption: caption ? collapse(caption.textContent) : "",
      path: meta ? collapse(meta.textContent).split(" ")[0] : src,
      mediaId: /^\d+$/.test(id) ? id : "",
    };
  }

  class Editor {
    constructor(textarea) {
      this.textarea = textarea;
      this.form = textarea.form;
      this.source = false;
      /** Whether the surface was edited since it was loaded from the textarea. */
      this.dirty = false;
      this.saved = null;
      this.history = new History(this);
      this.label = (key) => textarea.getAttribute("data-editor-" + key) || key;

      const id = textarea.id || "body_html";
      const labelEl = document.querySelector(`label[for="${id}"]`);
      if (labelEl && !labelEl.id) labelEl.id = `${id}-label`;
      this.labelEl = labelEl;

      this.wrapper = make("div", { class: "editor" });
      this.toolbar = this.buildToolbar(`${id}-editor`);
      this.root = make("div", {
        id: `${id}-editor`,
        class: "editor-surface",
        contenteditable: "true",
        role: "textbox",
        "aria-multiline": "true",
        "aria-labelledby": labelEl ? labelEl.id : null,
        dir: document.documentElement.dir || "rtl",
        spellcheck: "true",
      });
      this.wrapper.append(this.toolbar, this.root);
      this.load(textarea.value);

      // Only now, with everything built, does the textarea step aside.
      textarea.before(this.wrapper);
      this.wrapper.append(textarea);
      textarea.hidden = true;
      this.form.classList.add("has-editor");
      try {
        document.execCommand("defaultParagraphSeparator", false, "p");
        document.execCommand("styleWithCSS", false, false);
      } catch {
        // Older engines: the editor's own Enter handling does not depend on these.
      }
      this.listen();
      this.updateToolbar();
    }

    // ------------------------------------------------------------ building

    buildToolbar(controls) {
      const bar = make("div", { class: "editor-toolbar", role: "toolbar", "aria-label": this.label("toolbar"), "aria-controls": controls });
      this.buttons = {};
      let first = true;
      for (const group of TOOLBAR) {
        const g = make("div", { class: "editor-group", role: "group" });
        for (const [command, pressable] of group) {
          const shortcut = SHORTCUTS[command];
          const text = this.label(command);
          const button = make("button", {
            type: "button",
            class: `editor-tool editor-tool-${command}`,
            "data-command": command,
            title: shortcut ? `${text} (${shortcut.text})` : text,
            "aria-keyshortcuts": shortcut ? shortcut.aria : null,
            "aria-pressed": pressable ? "false" : null,
            tabindex: first ? "0" : "-1",
          }, text);
          first = false;
          this.buttons[command] = button;
          g.append(button);
        }
        bar.append(g);
      }
      return bar;
    }

    /** Replaces the surface's content with a stored body, read through the allow-list. */
    load(html) {
      const blocks = readBlocks(parseInert(html).body);
      this.root.replaceChildren(...blocks.map((b) => this.buildBlock(b)));
      this.saved = null;
      this.tidy();
      this.history.clear();
      this.dirty = false;
    }

    buildBlock(b) {
      switch (b.type) {
        case "p":
          return textElement("p", b.html);
        case "h":
          return textElement(`h${b.level}`, b.html);
        case "quote": {
          const q = textElement("blockquote", b.html);
          // The attribution is kept, and shown by CSS; it is edited in the HTML view.
          if (b.cite) q.dataset.cite = b.cite;
          return q;
        }
        case "list": {
          const list = make(b.ordered ? "ol" : "ul", { dir: "auto" });
          for (const item of b.items) list.append(textElement("li", item));
          return list;
        }
        case "hr":
          return make("hr");
        case "image":
          return this.imageCard(b);
        case "embed":
          return this.embedCard(b.url);
        case "raw":
          return this.rawCard(b.html);
        default:
          return textElement("p", "");
      }
    }

    card(tag, kind) {
      const el = make(tag, { class: `editor-atom editor-${kind}`, contenteditable: "false" });
      return el;
    }

    removeButton() {
      const text = this.label("remove");
      return make("button", { type: "button", class: "editor-atom-remove", title: text, "aria-label": text }, "×");
    }

    imageCard({ src, alt, caption, credit, mediaId }) {
      const fig = this.card("figure", "image");
      fig.dataset.src = src;
      fig.dataset.alt = alt || "";
      if (credit) fig.dataset.credit = credit;
      if (mediaId) fig.dataset.mediaId = mediaId;
      if (isMediaPath(src)) {
        fig.append(make("img", { src, alt: alt || "", loading: "lazy", decoding: "async" }));
      } else {
        // An image from elsewhere is not fetched from the back office: its address shows.
        fig.append(make("span", { class: "editor-atom-label" }, this.label("image-elsewhere")));
        fig.append(make("span", { class: "editor-atom-url", dir: "ltr" }, src));
      }
      const cap = make("figcaption", { contenteditable: "true", dir: "auto", "data-placeholder": this.label("media-caption") });
      cap.textContent = caption || "";
      fig.append(cap);
      if (credit) fig.append(make("span", { class: "editor-credit", dir: "auto" }, credit));
      fig.append(this.removeButton());
      return fig;
    }

    embedCard(url) {
      const fig = this.card("figure", "embed");
      fig.dataset.embedUrl = url;
      const provider = embedProvider(url);
      if (provider) fig.classList.add(`editor-embed-${provider}`);
      // A placeholder: nothing is loaded from the platform while editing.
      fig.append(make("span", { class: "editor-atom-label" }, this.label("embed-card")));
      fig.append(make("span", { class: "editor-atom-url", dir: "ltr" }, url));
      fig.append(this.removeButton());
      return fig;
    }

    rawCard(html) {
      const div = this.card("div", "raw");
      div.dataset.raw = html;
      div.append(make("span", { class: "editor-atom-label" }, this.label("raw-block")));
      const text = collapse(parseInert(html).body.textContent);
      div.append(make("span", { class: "editor-raw-text", dir: "auto" }, text.length > 280 ? text.slice(0, 280) + "…" : text));
      div.append(this.removeButton());
      return div;
    }

    // ------------------------------------------------------------ events

    listen() {
      const root = this.root;
      root.addEventListener("beforeinput", (e) => this.onBeforeInput(e));
      root.addEventListener("input", (e) => this.changed({ tidy: !e.isComposing }));
      root.addEventListener("keydown", (e) => this.onKeydown(e));
      root.addEventListener("paste", (e) => this.onPaste(e));
      root.addEventListener("dragstart", () => (this.dragging = true));
      root.addEventListener("dragend", () => (this.dragging = false));
      root.addEventListener("drop", (e) => this.onDrop(e));
      root.addEventListener("click", (e) => {
        const remove = e.target.closest(".editor-atom-remove");
        if (remove && root.contains(remove)) {
          e.preventDefault();
          this.history.record();
          const atom = remove.closest(".editor-atom");
          const next = atom.nextElementSibling;
          atom.remove();
          this.changed();
          if (next && !isAtom(next)) placeCaret(next, false);
          root.focus({ preventScroll: true });
        }
      });
      document.addEventListener("selectionchange", () => {
        const r = this.range();
        if (r) this.saved = r.cloneRange();
        this.updateToolbar();
      });
      // Toolbar: clicks keep the surface's selection; arrows move between buttons.
      this.toolbar.addEventListener("mousedown", (e) => {
        if (e.target.closest("button")) e.preventDefault();
      });
      this.toolbar.addEventListener("click", (e) => {
        const button = e.target.closest("button[data-command]");
        if (button && !button.disabled) this.run(button.dataset.command);
      });
      this.toolbar.addEventListener("keydown", (e) => this.onToolbarKey(e));
      this.toolbar.addEventListener("focusin", (e) => {
        const button = e.target.closest("button");
        if (!button) return;
        for (const b of Object.values(this.buttons)) b.tabIndex = b === button ? 0 : -1;
      });
      if (this.labelEl) {
        this.labelEl.addEventListener("click", (e) => {
          if (this.source) return;
          e.preventDefault();
          this.focus();
        });
      }
      this.form.addEventListener("submit", () => this.flush());
    }

    onBeforeInput(e) {
      switch (e.inputType) {
        case "historyUndo":
          e.preventDefault();
          this.history.undo();
          return;
        case "historyRedo":
          e.preventDefault();
          this.history.redo();
          return;
        case "insertParagraph":
          e.preventDefault();
          if (!this.inCaption()) this.enter();
          return;
        case "insertFromPaste":
        case "insertFromDrop":
          // Handled by the paste and drop listeners (a native drop within the surface is a
          // move, and is tidied afterwards).
          if (e.inputType === "insertFromDrop" && this.dragging) this.history.typing();
          return;
        case "deleteContentBackward":
          if (this.backspace()) e.preventDefault();
          else this.history.typing();
          return;
        case "deleteContentForward":
          if (this.forwardDelete()) e.preventDefault();
          else this.history.typing();
          return;
        case "formatBold":
        case "formatItalic":
          // The browser's own shortcuts arrive here when keydown did not take them.
          e.preventDefault();
          this.inline(e.inputType === "formatBold" ? "bold" : "italic");
          return;
        default:
          this.history.typing();
      }
    }

    onKeydown(e) {
      if (e.isComposing) return;
      const mod = e.ctrlKey || e.metaKey;
      if (mod && !e.altKey && (e.code === "KeyZ" || e.code === "KeyY")) {
        e.preventDefault();
        if (e.code === "KeyY" || e.shiftKey) this.history.redo();
        else this.history.undo();
        return;
      }
      if (mod) {
        for (const [command, s] of Object.entries(SHORTCUTS)) {
          if (e.code === s.code && !!s.alt === e.altKey && !e.shiftKey) {
            e.preventDefault();
            this.run(command);
            return;
          }
        }
      }
      if (e.altKey && e.code === "F10") {
        e.preventDefault();
        const current = Object.values(this.buttons).find((b) => b.tabIndex === 0) || this.buttons.paragraph;
        current.focus();
        return;
      }
      if (e.key === "Enter" && this.inCaption()) e.preventDefault();
    }

    onToolbarKey(e) {
      const buttons = Object.values(this.buttons).filter((b) => !b.disabled);
      const at = buttons.indexOf(document.activeElement);
      if (at < 0) return;
      const rtl = getComputedStyle(this.toolbar).direction === "rtl";
      let to = null;
      if (e.key === "ArrowRight") to = at + (rtl ? -1 : 1);
      else if (e.key === "ArrowLeft") to = at + (rtl ? 1 : -1);
      else if (e.key === "Home") to = 0;
      else if (e.key === "End") to = buttons.length - 1;
      else if (e.key === "Escape") {
        e.preventDefault();
        this.focus();
        return;
      }
      if (to === null) return;
      e.preventDefault();
      buttons[(to + buttons.length) % buttons.length].focus();
    }

    onPaste(e) {
      const data = e.clipboardData;
      if (!data) return;
      e.preventDefault();
      const text = data.getData("text/plain");
      if (this.inCaption()) {
        // A caption is one line of plain text.
        document.execCommand("insertText", false, collapse(text));
        return;
      }
      this.insertBlocks(pastedBlocks(data.getData("text/html"), text));
    }

    onDrop(e) {
      if (this.dragging) return; // a move inside the surface: the browser does it
      e.preventDefault();
      const data = e.dataTransfer;
      if (!data || [...data.types].includes("Files")) return; // no images from the desktop
      const at = document.caretRangeFromPoint ? document.caretRangeFromPoint(e.clientX, e.clientY) : null;
      if (at && this.root.contains(at.startContainer)) {
        const sel = document.getSelection();
        sel.removeAllRanges();
        sel.addRange(at);
      }
      this.insertBlocks(pastedBlocks(data.getData("text/html"), data.getData("text/plain")));
    }

    // ------------------------------------------------------------ selection helpers

    /** The selection's range when it lies in the surface, else null. */
    range() {
      const sel = document.getSelection();
      if (!sel || !sel.rangeCount) return null;
      const r = sel.getRangeAt(0);
      return this.root.contains(r.startContainer) && this.root.contains(r.endContainer) ? r : null;
    }

    focus() {
      this.root.focus({ preventScroll: true });
      if (!this.usable(this.range())) {
        const sel = document.getSelection();
        if (this.usable(this.saved)) {
          sel.removeAllRanges();
          sel.addRange(this.saved);
        } else {
          const last = [...this.root.children].reverse().find((c) => !isAtom(c));
          if (last) placeCaret(isList(last) ? last.lastElementChild : last, true);
        }
      }
      return this.range();
    }

    /**
     * Whether a range is somewhere text can be typed. A remembered range whose text was
     * replaced is moved by the browser to the surface itself, beside a card, where typing
     * does nothing.
     */
    usable(r) {
      if (!r || !this.root.contains(r.startContainer) || r.startContainer === this.root) return false;
      const node = r.startContainer;
      const el = isElement(node) ? node : node.parentElement;
      return !!(this.textBlock(node) || (el && el.closest(".editor-atom figcaption")));
    }

    inCaption() {
      const r = this.range();
      const n = r && r.startContainer;
      const el = isElement(n) ? n : n && n.parentElement;
      return !!(el && el.closest(".editor-atom figcaption"));
    }

    /** The block directly under the surface that holds `node`. */
    topBlock(node) {
      while (node && node.parentNode !== this.root) node = node.parentNode;
      return node;
    }

    /** The element text is typed in (a paragraph, heading, quote or list item), or null. */
    textBlock(node) {
      const top = this.topBlock(node);
      if (!isElement(top) || isAtom(top)) return null;
      if (!isList(top)) return top;
      let n = node;
      while (n && n.parentNode !== top) n = n.parentNode;
      return isElement(n) && n.localName === "li" ? n : null;
    }

    /** The caret's text block; a caret between blocks gets a paragraph to stand in. */
    caretBlock() {
      let r = this.range();
      if (!r) r = this.focus();
      if (!r) return null;
      if (r.startContainer === this.root) {
        const child = this.root.childNodes[r.startOffset] || null;
        if (isElement(child) && !isAtom(child) && !isList(child)) {
          placeCaret(child, false);
          return child;
        }
        const p = textElement("p", "");
        this.root.insertBefore(p, child);
        placeCaret(p, false);
        return p;
      }
      return this.textBlock(r.startContainer);
    }

    /** The text blocks the selection touches, in order. */
    selectedBlocks() {
      const r = this.range() || this.focus();
      if (!r) return [];
      const start = r.startContainer === this.root ? this.root.childNodes[r.startOffset] : this.topBlock(r.startContainer);
      let end = r.endContainer === this.root ? this.root.childNodes[Math.max(0, r.endOffset - 1)] : this.topBlock(r.endContainer);
      // A triple click selects up to the start of the next block: that block is not chosen.
      if (!r.collapsed && end && end !== start && isElement(end) && !isList(end) && atEdge(end, { startContainer: r.endContainer, startOffset: r.endOffset }, false)) {
        end = end.previousSibling;
      }
      const out = [];
      for (let n = start; n; n = n.nextSibling) {
        if (isElement(n) && !isAtom(n)) {
          if (isList(n)) {
            for (const li of n.children) if (r.intersectsNode(li)) out.push(li);
          } else {
            out.push(n);
          }
        }
        if (n === end) break;
      }
      return out;
    }

    /** A path of child indexes to the selection, for the history. */
    selectionPath() {
      const r = this.range();
      if (!r) return null;
      const path = (node, offset) => {
        const steps = [];
        while (node && node !== this.root) {
          steps.unshift([...node.parentNode.childNodes].indexOf(node));
          node = node.parentNode;
        }
        return node ? { steps, offset } : null;
      };
      return { start: path(r.startContainer, r.startOffset), end: path(r.endContainer, r.endOffset) };
    }

    restorePath(sel) {
      const resolve = (p) => {
        if (!p) return null;
        let n = this.root;
        for (const i of p.steps) {
          n = n.childNodes[i];
          if (!n) return null;
        }
        const max = n.nodeType === Node.TEXT_NODE ? n.data.length : n.childNodes.length;
        return [n, Math.min(p.offset, max)];
      };
      const start = sel && resolve(sel.start);
      const end = sel && resolve(sel.end);
      this.root.focus({ preventScroll: true });
      if (!start || !end) return;
      const r = document.createRange();
      r.setStart(...start);
      r.setEnd(...end);
      const s = document.getSelection();
      s.removeAllRanges();
      s.addRange(r);
    }

    /**
     * Runs `change` with the selection marked by two empty spans, which move with the text
     * whatever the change does to the elements around it, then puts the selection back.
     */
    keepSelection(change) {
      const r = this.range();
      if (!r) return change();
      const start = make("span", { class: "editor-mark" });
      const end = make("span", { class: "editor-mark" });
      const tail = r.cloneRange();
      tail.collapse(false);
      tail.insertNode(end);
      const head = r.cloneRange();
      head.collapse(true);
      head.insertNode(start);
      try {
        change();
      } finally {
        const back = document.createRange();
        if (start.isConnected && end.isConnected) {
          back.setStartBefore(start);
          back.setEndBefore(end);
        }
        const startParent = start.parentNode;
        const endParent = end.parentNode;
        start.remove();
        end.remove();
        if (startParent) startParent.normalize();
        if (endParent && endParent !== startParent) endParent.normalize();
        if (back.startContainer !== document) {
          const sel = document.getSelection();
          sel.removeAllRanges();
          sel.addRange(back);
        }
      }
    }

    // ------------------------------------------------------------ commands

    run(command) {
      if (this.source && command !== "html") return;
      switch (command) {
        case "paragraph":
          return this.setBlock("p");
        case "heading":
          return this.setBlock("h2");
        case "subheading":
          return this.setBlock("h3");
        case "quote":
          return this.setBlock("blockquote");
        case "bullets":
          return this.toggleList("ul");
        case "numbers":
          return this.toggleList("ol");
        case "bold":
        case "italic":
          return this.inline(command);
        case "link":
          return this.link();
        case "divider":
          return this.insertAtom(make("hr"));
        case "image":
          return this.image();
        case "embed":
          return this.embed();
        case "html":
          return this.toggleSource();
      }
    }

    /** Paragraph, heading or quote for the selected blocks; the same again goes back to a
     *  paragraph. List items leave their list. */
    setBlock(tag) {
      this.focus();
      const blocks = this.selectedBlocks();
      if (!blocks.length) return;
      this.history.record();
      const all = blocks.every((b) => b.localName === tag);
      const target = all && tag !== "p" ? "p" : tag;
      this.keepSelection(() => {
        for (const block of blocks) {
          if (block.localName === "li") this.liftItem(block, target);
          else if (block.localName !== target) this.retag(block, target);
        }
      });
      this.changed();
    }

    retag(block, tag) {
      const el = make(tag, { dir: "auto" });
      el.append(...block.childNodes);
      block.replaceWith(el);
      fillEmpty(el);
      return el;
    }

    /** Takes a list item out of its list as a block of its own, splitting the list. */
    liftItem(li, tag) {
      const list = li.parentNode;
      const rest = [];
      for (let n = li.nextSibling; n; n = n.nextSibling) rest.push(n);
      if (rest.length) {
        const tail = list.cloneNode(false);
        tail.append(...rest);
        list.after(tail);
      }
      const el = make(tag, { dir: "auto" });
      el.append(...li.childNodes);
      fillEmpty(el);
      list.after(el);
      li.remove();
      if (!list.children.length) list.remove();
      return el;
    }

    /** The selected blocks as items of a list of `tag`; a list of that kind goes back to
     *  paragraphs. */
    toggleList(tag) {
      this.focus();
      const blocks = this.selectedBlocks();
      if (!blocks.length) return;
      this.history.record();
      const all = blocks.every((b) => b.localName === "li" && b.parentNode.localName === tag);
      this.keepSelection(() => {
        if (all) {
          for (const li of blocks) this.liftItem(li, "p");
          return;
        }
        let list = null;
        for (const block of blocks) {
          if (block.localName === "li") {
            const parent = block.parentNode;
            if (parent.localName !== tag) this.retag(parent, tag).setAttribute("dir", "auto");
            list = block.parentNode;
            continue;
          }
          const li = make("li", { dir: "auto" });
          li.append(...block.childNodes);
          fillEmpty(li);
          const prev = block.previousElementSibling;
          if (list && prev === list) list.append(li);
          else if (prev && prev.localName === tag && prev === block.previousSibling) {
            list = prev;
            list.append(li);
          } else {
            list = make(tag, { dir: "auto" });
            block.before(list);
            list.append(li);
          }
          block.remove();
        }
      });
      this.changed();
    }

    inline(command) {
      this.focus();
      if (this.inCaption()) return; // a caption is plain text
      this.history.record();
      document.execCommand(command, false, null);
      this.changed();
    }

    async link() {
      const r = this.focus();
      if (!r || this.inCaption()) return;
      const saved = r.cloneRange();
      const start = isElement(r.startContainer) ? r.startContainer : r.startContainer.parentElement;
      const anchor = start.closest("a");
      const current = anchor && this.root.contains(anchor) ? anchor : null;
      const url = await this.urlDialog().ask({
        title: this.label("link-prompt"),
        value: current ? current.getAttribute("href") : "",
        check: (value) => {
          const v = value.trim();
          if (!v) return current ? { value: "" } : { error: this.label("link-invalid") };
          const href = safeHref(guessScheme(v));
          return href ? { value: href } : { error: this.label("link-invalid") };
        },
      });
      this.root.focus({ preventScroll: true });
      const sel = document.getSelection();
      sel.removeAllRanges();
      sel.addRange(saved);
      if (url === null) return;
      this.history.record();
      if (url === "" && current) {
        current.replaceWith(...current.childNodes);
      } else if (current && saved.collapsed) {
        current.setAttribute("href", url);
      } else if (saved.collapsed) {
        const a = make("a", { href: url }, url);
        saved.insertNode(a);
        const after = document.createRange();
        after.setStartAfter(a);
        after.collapse(true);
        sel.removeAllRanges();
        sel.addRange(after);
      } else {
        document.execCommand("createLink", false, url);
      }
      this.changed();
    }

    async embed() {
      const r = this.focus();
      const saved = r && r.cloneRange();
      const url = await this.urlDialog().ask({
        title: this.label("embed-prompt"),
        value: "",
        check: (value) => {
          const v = guessScheme(value.trim());
          return embedProvider(v) ? { value: v } : { error: this.label("embed-invalid") };
        },
      });
      this.restore(saved);
      if (url) this.insertAtom(this.embedCard(url));
    }

    async image() {
      const r = this.focus();
      const saved = r && r.cloneRange();
      if (!this.picker) {
        const csrf = this.form.querySelector('input[name="csrf"]');
        this.picker = new MediaPicker(this.label, this.textarea.getAttribute("data-editor-media-url") || "/admin/media", csrf ? csrf.value : "");
      }
      const item = await this.picker.pick();
      this.restore(saved);
      if (item) this.insertAtom(this.imageCard(item));
    }

    restore(range) {
      if (this.usable(range)) {
        this.root.focus({ preventScroll: true });
        const sel = document.getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
      } else {
        this.saved = null;
        this.focus();
      }
    }

    urlDialog() {
      if (!this.dialog) this.dialog = new UrlDialog(this.label);
      return this.dialog;
    }

    /** A card or divider after the caret's block (in place of an empty paragraph). */
    insertAtom(atom) {
      const r = this.range() || this.focus();
      this.history.record();
      const block = r ? this.textBlock(r.startContainer) : null;
      const top = block ? this.topBlock(block) : r && r.startContainer === this.root ? this.root.childNodes[r.startOffset] : null;
      if (block && !isList(top) && isEmptyBlock(block) && this.root.children.length > 1) {
        block.replaceWith(atom);
      } else if (block && !isList(top) && r && r.collapsed && atEdge(block, r, false) && !isEmptyBlock(block)) {
        block.before(atom);
      } else if (top) {
        top.after(atom);
      } else {
        this.root.append(atom);
      }
      // Somewhere to go on typing.
      let next = atom.nextElementSibling;
      if (!next || isAtom(next)) {
        next = textElement("p", "");
        atom.after(next);
      }
      placeCaret(next, false);
      this.changed();
    }

    /** Enter: a new paragraph (after a heading too), a new list item, or, in an empty
     *  item, the end of the list. */
    enter() {
      let r = this.range();
      if (!r) return;
      this.history.record();
      if (!r.collapsed) {
        document.execCommand("delete", false, null);
        r = this.range();
      }
      const block = this.caretBlock();
      r = this.range();
      if (!block || !r) return this.changed();
      const tag = block.localName;
      if (tag === "li" && isEmptyBlock(block)) {
        placeCaret(this.liftItem(block, "p"), false);
        return this.changed();
      }
      if (atEdge(block, r, false) && !isEmptyBlock(block)) {
        // At the start: an empty block above, the text stays what it was.
        const above = make(tag === "li" ? "li" : "p", { dir: "auto" });
        fillEmpty(above);
        block.before(above);
        placeCaret(block, false);
        return this.changed();
      }
      const next = tag === "li" ? "li" : tag === "blockquote" && !atEdge(block, r, true) ? "blockquote" : "p";
      const rest = document.createRange();
      rest.setStart(r.startContainer, r.startOffset);
      rest.setEnd(block, block.childNodes.length);
      const tail = make(next, { dir: "auto" });
      tail.append(rest.extractContents());
      block.after(tail);
      for (const el of [block, tail]) {
        pruneEmptyInline(el);
        fillEmpty(el);
      }
      placeCaret(tail, false);
      this.changed();
    }

    /**
     * Backspace at the start of a block: an empty block goes; a card before it goes; a list's
     * first item becomes a paragraph; otherwise the block joins the one before. Done here
     * rather than by the browser, whose joins leave styled spans that the CSP refuses.
     * Returns whether it was handled.
     */
    backspace() {
      const r = this.range();
      if (!r || !r.collapsed || this.inCaption()) return false;
      const block = this.textBlock(r.startContainer);
      if (!block || !atEdge(block, r, false)) return false;
      const top = this.topBlock(block);
      const item = block.localName === "li";
      const before = item ? (block.previousElementSibling ? null : top.previousElementSibling) : block.previousElementSibling;
      if (isEmptyBlock(block)) {
        if (isAtom(before) && !top.nextElementSibling) {
          this.history.record();
          before.remove();
          this.changed();
          return true;
        }
        if (this.root.children.length === 1 && block === top) return true;
        this.history.record();
        const prev = item && block.previousElementSibling ? block.previousElementSibling : before;
        const next = item ? block.nextElementSibling || top.nextElementSibling : top.nextElementSibling;
        block.remove();
        if (isList(top) && !top.children.length) top.remove();
        const target = prev && !isAtom(prev) ? (isList(prev) ? prev.lastElementChild : prev) : next && !isAtom(next) ? (isList(next) ? next.firstElementChild : next) : null;
        this.changed();
        if (target) placeCaret(target, target === prev || (isList(prev) && target.parentNode === prev));
        return true;
      }
      this.history.record();
      if (isAtom(before)) {
        before.remove();
      } else if (item && !block.previousElementSibling) {
        placeCaret(this.liftItem(block, "p"), false);
      } else if (item) {
        this.join(block.previousElementSibling, block);
      } else if (isList(before)) {
        this.join(before.lastElementChild, block);
      } else if (before) {
        this.join(before, block);
      } else if (block.localName !== "p") {
        placeCaret(this.retag(block, "p"), false);
      }
      this.changed();
      return true;
    }

    /** Delete at the end of a block: a card after it goes, else the next block joins it. */
    forwardDelete() {
      const r = this.range();
      if (!r || !r.collapsed || this.inCaption()) return false;
      const block = this.textBlock(r.startContainer);
      if (!block || !atEdge(block, r, true)) return false;
      const top = this.topBlock(block);
      const item = block.localName === "li";
      const after = item ? block.nextElementSibling || top.nextElementSibling : block.nextElementSibling;
      if (!after) return true;
      this.history.record();
      if (isAtom(after)) after.remove();
      else this.join(block, isList(after) ? after.firstElementChild : after);
      this.changed();
      return true;
    }

    /** Moves what `second` holds to the end of `first`, removes `second` (and a list it
     *  leaves empty), and puts the caret where they meet. */
    join(first, second) {
      // A lone trailing <br> only keeps an empty block open: it would show once joined.
      if (first.lastChild && first.lastChild.nodeName === "BR") first.lastChild.remove();
      const mark = make("span", { class: "editor-mark" });
      first.append(mark);
      if (!isEmptyBlock(second)) first.append(...second.childNodes);
      const list = second.parentNode;
      second.remove();
      if (isList(list) && !list.children.length) list.remove();
      const at = document.createRange();
      at.setStartBefore(mark);
      at.collapse(true);
      mark.remove();
      first.normalize();
      fillEmpty(first);
      const sel = document.getSelection();
      sel.removeAllRanges();
      sel.addRange(at);
    }

    /** Pasted or dropped blocks at the caret: one paragraph joins the text where the caret
     *  is; several split the block there, the first and last joining its two halves. */
    insertBlocks(blocks) {
      if (!blocks.length) return;
      this.history.record();
      let r = this.range() || this.focus();
      if (r && !r.collapsed) {
        document.execCommand("delete", false, null);
        r = this.range();
      }
      let block = this.caretBlock();
      r = this.range();
      if (!block || !r) {
        block = textElement("p", "");
        this.root.append(block);
        placeCaret(block, false);
        r = this.range();
      }
      if (isEmptyBlock(block)) {
        block.replaceChildren();
        r.setStart(block, 0);
        r.collapse(true);
      }
      const mark = make("span", { class: "editor-mark" });
      if (blocks.length === 1 && blocks[0].type === "p") {
        r.insertNode(mark);
        mark.before(inlineNodes(blocks[0].html));
      } else {
        // Split at the caret: `block` keeps what was before it, `tail` what was after.
        const rest = document.createRange();
        rest.setStart(r.startContainer, r.startOffset);
        rest.setEnd(block, block.childNodes.length);
        const tail = make(block.localName === "li" ? "li" : block.localName, { dir: "auto" });
        if (block.dataset.cite) tail.dataset.cite = block.dataset.cite;
        tail.append(rest.extractContents());
        block.after(tail);
        const list = [...blocks];
        if (list[0].type === "p") block.append(inlineNodes(list.shift().html));
        // The caret ends where the pasted text ends: before what followed it in the tail.
        let joinLast = false;
        if (list.length && list[list.length - 1].type === "p") {
          tail.prepend(mark);
          mark.before(inlineNodes(list.pop().html));
          joinLast = true;
        }
        // Inside a list the new blocks go between two halves of it.
        let anchor = block;
        if (block.localName === "li" && list.length) {
          const top = block.parentNode;
          const second = top.cloneNode(false);
          for (let n = tail; n; ) {
            const nextSibling = n.nextSibling;
            second.append(n);
            n = nextSibling;
          }
          top.after(second);
          anchor = top;
        }
        const built = list.map((b) => this.buildBlock(b));
        anchor.after(...built);
        if (joinLast) {
          // already in place
        } else if (built.length) {
          const last = built[built.length - 1];
          if (isAtom(last)) {
            tail.prepend(mark);
          } else {
            (last.localName === "ul" || last.localName === "ol" ? last.lastElementChild : last).append(mark);
          }
        } else {
          block.append(mark);
        }
        for (const el of [block, tail]) {
          pruneEmptyInline(el);
          if (isEmptyBlock(el) && !el.contains(mark) && el.parentNode) {
            const parent = el.parentNode;
            el.remove();
            if (isList(parent) && !parent.children.length) parent.remove();
          }
        }
      }
      const after = document.createRange();
      after.setStartBefore(mark);
      after.collapse(true);
      const parent = mark.parentNode;
      mark.remove();
      parent.normalize();
      fillEmpty(parent.closest("p, h2, h3, h4, blockquote, li") || parent);
      const sel = document.getSelection();
      sel.removeAllRanges();
      sel.addRange(after);
      this.changed();
    }

    /** The HTML view: the textarea, as it will be posted. Back from it, the surface reads
     *  the textarea again (through the allow-list). */
    toggleSource() {
      if (!this.source) {
        this.flush();
        this.source = true;
        this.root.hidden = true;
        this.textarea.hidden = false;
        this.textarea.focus();
      } else {
        this.load(this.textarea.value);
        this.source = false;
        this.textarea.hidden = true;
        this.root.hidden = false;
        this.focus();
      }
      for (const [command, button] of Object.entries(this.buttons)) {
        if (command !== "html") button.disabled = this.source;
      }
      this.updateToolbar();
    }

    // ------------------------------------------------------------ after every change

    /** Tidies the surface, writes the textarea and updates the toolbar. */
    changed({ tidy = true } = {}) {
      if (tidy) this.tidy();
      this.dirty = true;
      this.textarea.value = this.serialize();
      this.updateToolbar();
    }

    serialize() {
      return blocksToHtml(readBlocks(this.root, { editor: true }));
    }

    /** The textarea as the form must post it (the surface wins once it was edited). */
    flush() {
      if (!this.source && this.dirty) this.textarea.value = this.serialize();
    }

    /**
     * Keeps the surface a flat list of blocks the editor knows: text typed between blocks
     * gets a paragraph, the browser's <div>s and styled <span>s (which it leaves when
     * joining blocks) go, same-kind lists side by side become one, and there is always a
     * paragraph to type in after a card.
     */
    tidy() {
      const root = this.root;
      const stray = [...root.childNodes].some(
        (n) =>
          (n.nodeType === Node.TEXT_NODE && n.data.trim()) ||
          (isElement(n) && !isAtom(n) && (!TEXT_TAGS.has(n.localName) && !isList(n) || !n.hasAttribute("dir"))),
      );
      // (Cards are the editor's own markup: their spans stay, but no style attribute does.)
      const styled = [...root.querySelectorAll("span:not(.editor-mark), font, [style]")].filter(
        (el) => el.hasAttribute("style") || !el.closest(".editor-atom"),
      );
      const lists = [...root.children].some((n, k, all) => isList(n) && k > 0 && all[k - 1].localName === n.localName);
      const last = root.lastElementChild;
      const needsEnd = !last || isAtom(last);
      const listJunk = [...root.children].some((n) => isList(n) && [...n.childNodes].some((c) => !(isElement(c) && c.localName === "li")));
      if (!stray && !styled.length && !lists && !needsEnd && !listJunk) return;

      this.keepSelection(() => {
        for (const el of styled) {
          if (!el.isConnected) continue;
          if ((el.localName === "span" || el.localName === "font") && !el.closest(".editor-atom")) el.replaceWith(...el.childNodes);
          else el.removeAttribute("style");
        }
        // Wrappers around blocks (a <div> the browser made) give way to what they hold.
        for (let again = true; again; ) {
          again = false;
          for (const n of [...root.children]) {
            if (!isAtom(n) && !TEXT_TAGS.has(n.localName) && !isList(n) && !HEADING_LEVEL[n.localName] && n.querySelector(BLOCKISH_SELECTOR)) {
              n.replaceWith(...n.childNodes);
              again = true;
            }
          }
        }
        let loose = null;
        for (const n of [...root.childNodes]) {
          const inline = n.nodeType === Node.TEXT_NODE || (isElement(n) && !isAtom(n) && !BLOCKISH_SET.has(n.localName) && !TEXT_TAGS.has(n.localName));
          if (inline && !(n.nodeType === Node.TEXT_NODE && !n.data.trim() && !loose)) {
            if (!loose) {
              loose = make("p", { dir: "auto" });
              n.before(loose);
            }
            loose.append(n);
            continue;
          }
          loose = null;
          if (n.nodeType === Node.TEXT_NODE) {
            n.remove();
            continue;
          }
          if (!isElement(n) || isAtom(n)) continue;
          let el = n;
          const name = el.localName;
          if (HEADING_LEVEL[name] && !TEXT_TAGS.has(name)) el = this.retag(el, `h${HEADING_LEVEL[name]}`);
          else if (!TEXT_TAGS.has(name) && !isList(el)) el = this.retag(el, "p");
          if (!el.hasAttribute("dir")) el.setAttribute("dir", "auto");
          if (isList(el)) {
            let item = null;
            for (const c of [...el.childNodes]) {
              if (isElement(c) && c.localName === "li") {
                item = null;
                if (!c.hasAttribute("dir")) c.setAttribute("dir", "auto");
                continue;
              }
              if (c.nodeType === Node.TEXT_NODE && !c.data.trim()) {
                c.remove();
                continue;
              }
              if (!item) {
                item = make("li", { dir: "auto" });
                c.before(item);
              }
              item.append(c);
            }
          }
        }
        for (const list of [...root.children]) {
          const prev = list.previousElementSibling;
          if (isList(list) && prev && prev.localName === list.localName && list.previousSibling === prev) {
            prev.append(...list.childNodes);
            list.remove();
          }
        }
        const end = root.lastElementChild;
        if (!end || isAtom(end)) root.append(textElement("p", ""));
        for (const el of root.querySelectorAll("p, h2, h3, h4, blockquote, li")) {
          if (!el.closest(".editor-atom")) fillEmpty(el);
        }
      });
    }

    updateToolbar() {
      const r = this.range();
      const node = r && r.startContainer;
      const el = isElement(node) ? node : node && node.parentElement;
      const block = node ? this.textBlock(node) : null;
      let kind = block ? block.localName : null;
      if (kind === "li") kind = block.parentNode.localName;
      const within = (selector) => {
        const found = el && el.closest(selector);
        return !!found && this.root.contains(found);
      };
      const pressed = {
        paragraph: kind === "p",
        heading: kind === "h2",
        subheading: kind === "h3",
        quote: kind === "blockquote",
        bullets: kind === "ul",
        numbers: kind === "ol",
        bold: within("b, strong"),
        italic: within("i, em"),
        link: within("a"),
        html: this.source,
      };
      for (const [command, on] of Object.entries(pressed)) {
        const button = this.buttons[command];
        if (button) button.setAttribute("aria-pressed", String(on && (command === "html" || !this.source)));
      }
    }
  }

  /** "example.org/x" → "https://example.org/x", "name@example.org" → "mailto:…". */
  function guessScheme(v) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(v) || v.startsWith("/") || v.startsWith("#")) return v;
    if (/^[^\s@/]+@[^\s@/]+\.[^\s@/]+$/.test(v)) return "mailto:" + v;
    if (/^[^\s/]+\.[^\s/]{2,}(\/|$)/.test(v)) return "https://" + v;
    return v;
  }

  // ================================================================ 3. Autosave

  /**
   * Every 10 s, if anything in the form changed since the last save, posts the whole form
   * (fetch, multipart) to data-autosave-url; when the page is hidden or left, the same
   * with sendBeacon. Never while the form is being submitted. Answers: 200
   * {"saved_at": "…"}, 409 {"error": "version_conflict"} (someone saved a newer version:
   * autosave stops), 403 (session or rights gone: autosave stops).
   */
  class Autosave {
    constructor(form, url, editor) {
      this.form = form;
      this.url = url;
      this.editor = editor;
      this.status = document.getElementById("autosave-status");
      this.submitting = false;
      this.stopped = false;
      this.inFlight = null;
      this.last = this.snapshot();
      this.timer = setInterval(() => this.save(), 10_000);
      form.addEventListener("submit", () => {
        this.submitting = true;
        if (this.inFlight) this.inFlight.abort();
      });
      // Back to the page from the history cache: the submit is over.
      window.addEventListener("pageshow", (e) => {
        if (e.persisted) this.submitting = false;
      });
      window.addEventListener("pagehide", () => this.beacon());
      document.addEventListener("visibilitychange", () => {
        if (document.visibilityState === "hidden") this.beacon();
      });
    }

    data() {
      if (this.editor) this.editor.flush();
      return new FormData(this.form);
    }

    snapshot() {
      const parts = [];
      for (const [k, v] of this.data()) if (typeof v === "string" && k !== "csrf") parts.push([k, v]);
      return JSON.stringify(parts);
    }

    async save() {
      if (this.submitting || this.stopped || this.inFlight) return;
      const now = this.snapshot();
      if (now === this.last) return;
      this.show("saving");
      const abort = new AbortController();
      this.inFlight = abort;
      try {
        const res = await fetch(this.url, {
          method: "POST",
          body: this.data(),
          credentials: "same-origin",
          headers: { Accept: "application/json" },
          signal: abort.signal,
        });
        const answer = await res.json().catch(() => ({}));
        if (res.ok && typeof answer.saved_at === "string") {
          this.last = now;
          this.show("saved", answer.saved_at);
        } else if (res.status === 409) {
          this.stop("conflict");
        } else if (res.status === 403 || res.redirected) {
          // A lost session answers with the sign-in page (a redirect, followed).
          this.stop("forbidden");
        } else {
          this.show("failed");
        }
      } catch {
        if (!this.submitting) this.show("failed");
      } finally {
        this.inFlight = null;
      }
    }

    beacon() {
      if (this.submitting || this.stopped || !navigator.sendBeacon) return;
      const now = this.snapshot();
      if (now === this.last) return;
      if (navigator.sendBeacon(this.url, this.data())) this.last = now;
    }

    stop(kind) {
      this.stopped = true;
      clearInterval(this.timer);
      this.show(kind);
    }

    show(kind, savedAt = "") {
      if (!this.status) return;
      const text = (this.status.getAttribute("data-" + kind) || "").replace("{saved_at}", savedAt);
      this.status.textContent = text;
      this.status.dataset.state = kind;
      this.status.classList.toggle("is-problem", kind === "conflict" || kind === "forbidden" || kind === "failed");
    }
  }

  // ================================================================ name suggestions

  // Inputs holding a list of names separated by commas (tags, authors) get suggestions for
  // the name being typed, from `data-suggest` (JSON: an array of names). A combobox in the
  // ARIA sense: arrows move, Enter or a click takes the name, Escape closes. Without it
  // the field works as plain text.
  const SEPARATORS = /[,،]/;
  let suggestCount = 0;

  function currentTerm(value) {
    const parts = value.split(SEPARATORS);
    return parts[parts.length - 1].trim();
  }

  function takenNames(value) {
    const parts = value.split(SEPARATORS).map((p) => p.trim()).filter(Boolean);
    parts.pop();
    return parts;
  }

  class Suggest {
    constructor(input) {
      this.input = input;
      this.url = input.getAttribute("data-suggest");
      this.list = make("ul", { role: "listbox", class: "suggest-list", id: "suggest-" + ++suggestCount });
      this.list.hidden = true;
      this.active = -1;
      this.seq = 0;
      this.timer = null;
      input.setAttribute("role", "combobox");
      input.setAttribute("aria-autocomplete", "list");
      input.setAttribute("aria-expanded", "false");
      input.setAttribute("aria-controls", this.list.id);
      input.insertAdjacentElement("afterend", this.list);
      input.addEventListener("input", () => this.later());
      input.addEventListener("keydown", (e) => this.key(e));
      input.addEventListener("blur", () => setTimeout(() => this.close(), 150));
      this.list.addEventListener("mousedown", (e) => {
        const li = e.target.closest("li[role=option]");
        if (!li) return;
        e.preventDefault();
        this.take(li.textContent);
      });
    }

    later() {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.fetch(), 120);
    }

    async fetch() {
      const term = currentTerm(this.input.value);
      if (!term) return this.close();
      const seq = ++this.seq;
      try {
        const res = await fetch(this.url + "?q=" + encodeURIComponent(term), {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        });
        if (!res.ok || seq !== this.seq) return;
        const names = await res.json();
        if (seq !== this.seq || !Array.isArray(names)) return;
        const taken = takenNames(this.input.value);
        this.show(names.filter((n) => typeof n === "string" && !taken.includes(n)));
      } catch {
        this.close();
      }
    }

    show(names) {
      this.list.textContent = "";
      this.active = -1;
      this.input.removeAttribute("aria-activedescendant");
      names.forEach((name, i) => {
        this.list.appendChild(make("li", { role: "option", id: this.list.id + "-" + i, dir: "auto", "aria-selected": "false" }, name));
      });
      const open = names.length > 0;
      this.list.hidden = !open;
      this.input.setAttribute("aria-expanded", String(open));
    }

    close() {
      this.seq++;
      this.list.hidden = true;
      this.list.textContent = "";
      this.active = -1;
      this.input.setAttribute("aria-expanded", "false");
      this.input.removeAttribute("aria-activedescendant");
    }

    move(step) {
      const options = this.list.querySelectorAll("li[role=option]");
      if (!options.length) return;
      this.active = (this.active + step + options.length) % options.length;
      options.forEach((li, i) => li.setAttribute("aria-selected", String(i === this.active)));
      this.input.setAttribute("aria-activedescendant", options[this.active].id);
    }

    key(e) {
      if (this.list.hidden) return;
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        this.move(e.key === "ArrowDown" ? 1 : -1);
      } else if (e.key === "Enter" && this.active >= 0) {
        e.preventDefault();
        this.take(this.list.querySelectorAll("li[role=option]")[this.active].textContent);
      } else if (e.key === "Escape") {
        e.preventDefault();
        this.close();
      }
    }

    take(name) {
      const taken = takenNames(this.input.value);
      taken.push(name);
      this.input.value = taken.join("، ") + "، ";
      this.close();
      this.input.focus();
      this.input.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }

  // ================================================================ start

  const api = { cleanPastedHtml, cleanPastedText, normalizeBody, safeHref, embedProvider, editor: null, autosave: null };
  window.MidadEditor = api;

  function start() {
    const textarea = document.querySelector("textarea[data-editor]");
    let editor = null;
    if (textarea && textarea.form && "contentEditable" in textarea && window.DOMParser) {
      try {
        editor = new Editor(textarea);
      } catch (e) {
        // The textarea is still there and still works.
        textarea.hidden = false;
        if (window.console) console.error("midad editor:", e);
      }
    }
    api.editor = editor;
    const form = textarea ? textarea.form : document.querySelector("form[data-autosave-url]");
    const url = form && form.getAttribute("data-autosave-url");
    if (url && window.fetch) api.autosave = new Autosave(form, url, editor);
    if (window.fetch) document.querySelectorAll("input[data-suggest]").forEach((input) => new Suggest(input));
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
