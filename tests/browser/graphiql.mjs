// Drives GraphiQL in headless Chromium: sign in, pick the tenant, run the default query, wait
// for the result, save a screenshot. Prints the result pane's text as JSON on success.
// Usage: node graphiql.mjs <base url> <email> <password> <tenant id> <screenshot.png>
// Chromium: $CHROMIUM or /usr/bin/chromium; playwright-core from frontend-schema/node_modules.
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "../../frontend-schema/package.json"));
const { chromium } = require("playwright-core");

const [base, email, password, tenant, shot] = process.argv.slice(2);
if (!shot) {
  console.error("usage: graphiql.mjs <base url> <email> <password> <tenant id> <screenshot.png>");
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-dev-shm-usage"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 800 } });
  const problems = [];
  page.on("pageerror", (e) => problems.push(String(e)));
  await page.goto(`${base}/graphql`, { waitUntil: "load" });
  await page.waitForSelector(".graphiql-container", { timeout: 30000 });
  await page.fill("#email", email);
  await page.fill("#password", password);
  await page.click("#login-button");
  await page.waitForFunction(() => !document.querySelector("#tenant").disabled, null, { timeout: 15000 });
  await page.selectOption("#tenant", tenant);
  await page.click(".graphiql-execute-button");
  const result = page.locator(".graphiql-response .CodeMirror-code, .result-window .CodeMirror-code").first();
  await result.waitFor({ timeout: 15000 });
  await page.waitForFunction(
    () => {
      const el = document.querySelector(".graphiql-response .CodeMirror-code, .result-window .CodeMirror-code");
      return el && /"(data|errors)"/.test(el.textContent || "");
    },
    null,
    { timeout: 15000 },
  );
  const text = await result.textContent();
  await page.screenshot({ path: shot });
  if (problems.length) console.error("page errors: " + problems.join("; "));
  console.log(JSON.stringify({ status: await page.textContent("#status"), result: text }));
} finally {
  await browser.close();
}
