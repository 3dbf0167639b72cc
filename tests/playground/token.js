// The playground of a service started with --token-file, in headless
// Chromium: the page asks for the token, refuses a wrong one, and with the
// right one loads as it does without tokens. Prints what it saw as JSON;
// exits 1 with the reason on any failure.
// Usage: node token.js URL TOKEN
"use strict";
const { chromium } = require("playwright-core");

const [url, token] = process.argv.slice(2);

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const page = await (await browser.newContext()).newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  const seen = {};
  const status = () => page.$eval("#status", (s) => s.textContent);

  await page.goto(url);
  await page.waitForSelector("#token-form:not([hidden])", { timeout: 20000 });
  seen.asked = await status();
  seen.focused = await page.evaluate(() => document.activeElement.id);

  await page.fill("#token", "not-the-token");
  await page.press("#token", "Enter");
  await page.waitForFunction(() => document.querySelector("#status").textContent.includes("not one"));
  seen.refused = await status();

  await page.fill("#token", token);
  await page.click("#token-form button");
  await page.waitForSelector("body[data-ready=true]", { timeout: 20000 });
  await page.waitForSelector("#matrix table");
  seen.zones = await page.$$eval("#matrix tbody tr", (rows) => rows.length);
  seen.builtin = await page.$eval("#builtin", (s) => s.value);
  seen.formHidden = await page.$eval("#token-form", (f) => f.hidden);
  seen.errors = errors;
  await browser.close();
  process.stdout.write(JSON.stringify(seen));
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack || error) + "\n");
  process.exit(1);
});
