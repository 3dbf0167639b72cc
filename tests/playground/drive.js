// Drives the playground in headless Chromium, as a person would: loads it,
// types a rule with a typo, sees the diagnostic, fixes it, sees the matrix
// change, evaluates a scenario, opens the shared link, and checks keyboard
// order, labels, contrast and a narrow screen. Screenshots each step into
// OUT. Prints what it saw as JSON; exits 1 with the reason on any failure.
// Usage: node drive.js URL OUT
"use strict";
const { chromium } = require("playwright-core");
const fs = require("fs");
const path = require("path");

const [url, out] = process.argv.slice(2);
fs.mkdirSync(out, { recursive: true });
const seen = {};

async function matrixOf(page) {
  return page.$$eval("#matrix tbody tr", (rows) => rows.map((r) =>
    [...r.children].map((c) => c.textContent)));
}

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const requests = [];
  page.on("request", (r) => requests.push(r.url()));
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });

  // 1. Loaded with azure.
  await page.goto(url);
  await page.waitForSelector("body[data-ready=true]", { timeout: 20000 });
  await page.waitForSelector("#matrix table");
  seen.loaded = {
    title: await page.title(),
    builtin: await page.$eval("#builtin", (s) => s.value),
    starts: (await page.$eval("#policy", (t) => t.value)).split("\n")[0],
    zones: (await matrixOf(page)).length,
    diagram: await page.$eval("#diagram img", (i) => i.complete && i.naturalWidth > 0 && i.alt),
  };
  await page.screenshot({ path: path.join(out, "1-azure.png"), fullPage: true });
  // The matrix names parties as the diagram does; the diagram's every text
  // (its title first) fits inside the image; no width overflows the page.
  seen.loaded.cells = [...new Set(await page.$$eval("#matrix tbody td", (tds) => tds.map((t) => t.textContent)))].sort();
  seen.loaded.svg = await page.evaluate(async () => {
    const text = document.getElementById("policy").value;
    const svg = await (await fetch("/v1/matrix?format=svg", { method: "POST", body: text })).text();
    const box = document.createElement("div");
    box.style.position = "absolute"; box.style.left = "-20000px";
    box.innerHTML = svg; document.body.appendChild(box);
    const root = box.querySelector("svg");
    const width = Number(root.getAttribute("width"));
    const texts = [...root.querySelectorAll("text")];
    const overflowing = texts.filter((t) => { const b = t.getBBox(); return b.x < 0 || b.x + b.width > width; })
      .map((t) => t.textContent.trim());
    const all = texts.map((t) => t.textContent.trim());
    box.remove();
    return { overflowing, texts: all };
  });
  seen.widths = {};
  for (const width of [1920, 1400, 1024, 800]) {
    await page.setViewportSize({ width, height: 900 });
    seen.widths[width] = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    if (width === 1400) await page.screenshot({ path: path.join(out, "1-azure-1400.png"), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });

  // 2. A rule with a typo, typed key by key.
  await page.fill("#policy", "zone os\n");
  await page.focus("#policy");
  await page.keyboard.press("End");
  await page.evaluate(() => { const t = document.getElementById("policy"); t.selectionStart = t.selectionEnd = t.value.length; });
  await page.keyboard.type("os: provider when pass");
  await page.waitForFunction(() => document.getElementById("diagnostics").textContent.includes("unknown value `pass`"));
  seen.typo = {
    diagnostic: await page.$eval("#diagnostics li", (li) => li.textContent),
    summary: await page.$eval("#diagnostics-summary", (p) => p.textContent),
    underlined: await page.$$eval("#highlight .squiggle.error", (s) => s.map((x) => x.textContent)),
    noted: await page.$$eval("#highlight .squiggle.note", (s) => s.map((x) => x.textContent)),
  };
  await page.screenshot({ path: path.join(out, "2-typo.png"), fullPage: true });

  // 3. Fixed: the diagnostic goes, the matrix shows the rule.
  await page.keyboard.press("Backspace");
  await page.keyboard.press("Backspace");
  await page.keyboard.type("as");
  await page.waitForFunction(() => document.getElementById("diagnostics-summary").textContent === "No problems.");
  await page.waitForFunction(() => [...document.querySelectorAll("#matrix tbody th")].map((t) => t.textContent).join() === "os");
  seen.fixed = { text: await page.$eval("#policy", (t) => t.value), matrix: await matrixOf(page) };
  await page.screenshot({ path: path.join(out, "3-fixed.png"), fullPage: true });

  // 4. Another rule: the matrix changes.
  await page.keyboard.type("\nos: shared when saas");
  await page.waitForFunction(() => [...document.querySelectorAll("#matrix tbody td")].some((t) => t.textContent === "shared"));
  seen.changed = { matrix: await matrixOf(page) };

  // 5. One scenario, with its trace.
  await page.selectOption("#dimension-model", "paas");
  await page.waitForFunction(() => document.getElementById("answers").textContent.includes("provider"));
  seen.scenario = { answers: await page.$eval("#answers", (a) => a.innerText) };

  // 6. The shared link gives the same policy back.
  await page.click("#share");
  const shared = page.url();
  const again = await context.newPage();
  await again.goto(shared);
  await again.waitForSelector("body[data-ready=true]", { timeout: 20000 });
  seen.shared = {
    fragment: shared.includes("#policy="),
    text: await again.$eval("#policy", (t) => t.value),
    matrix: await matrixOf(again),
  };
  await again.screenshot({ path: path.join(out, "4-shared-link.png"), fullPage: true });

  // 7. Keyboard order from the top, and every control labelled.
  await again.evaluate(() => document.activeElement && document.activeElement.blur());
  const order = [];
  for (let i = 0; i < 4; i++) {
    await again.keyboard.press("Tab");
    order.push(await again.evaluate(() => document.activeElement.id));
  }
  seen.keyboard = order;
  seen.unlabelled = await again.$$eval("select, textarea, button, input", (els) => els
    .filter((e) => !(e.labels && e.labels.length) && !e.getAttribute("aria-label") && !e.textContent.trim())
    .map((e) => e.id));

  // 8. Contrast of text against its background (WCAG 2 ratio).
  seen.contrast = await again.evaluate(() => {
    const rgb = (s) => s.match(/[\d.]+/g).slice(0, 4).map(Number);
    const lum = ([r, g, b]) => {
      const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const background = (el) => {
      for (let e = el; e; e = e.parentElement) {
        const c = rgb(getComputedStyle(e).backgroundColor);
        if (c.length < 4 || c[3] > 0) return c;
      }
      return [255, 255, 255];
    };
    const selectors = ["h1", "label", "#status", "#diagnostics-summary", "th", "td.customer", "td.provider",
      "td.shared", ".t-keyword", ".t-comment", ".t-party", ".t-punct", "#answers li"];
    return selectors.flatMap((s) => [...document.querySelectorAll(s)].slice(0, 1).map((el) => {
      const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(background(el))];
      return [s, Math.round(((Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)) * 100) / 100];
    }));
  });

  // 9. A narrow screen: one column, nothing wider than the screen.
  await again.setViewportSize({ width: 390, height: 844 });
  seen.narrow = await again.evaluate(() => ({
    columns: getComputedStyle(document.querySelector("main")).gridTemplateColumns.split(" ").length,
    overflow: document.documentElement.scrollWidth > window.innerWidth,
  }));
  await again.screenshot({ path: path.join(out, "5-narrow.png"), fullPage: true });

  const origin = new URL(url).origin;
  seen.foreign = requests.filter((r) => !r.startsWith(origin) && !r.startsWith("data:"));
  seen.errors = errors;
  await browser.close();
}

main().then(() => { console.log(JSON.stringify(seen, null, 2)); })
  .catch((e) => { console.log(JSON.stringify(seen, null, 2)); console.error(String(e.stack || e)); process.exit(1); });
