// Drives Debian's chromium through chromedriver (W3C WebDriver over HTTP, Node's fetch):
// opens the review page, grades the shown attempt with the keyboard, waits until the
// page says it is stored, and saves a screenshot. Prints one JSON line with the result.
// Usage: node review.mjs URL SCREENSHOT.png KEY
import { spawn } from "node:child_process";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [url, screenshot, key] = process.argv.slice(2);
const port = 9515 + (process.pid % 2000);
const driver = spawn("chromedriver", [`--port=${port}`], { stdio: "ignore" });
const base = `http://127.0.0.1:${port}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function wd(method, path, body) {
  const r = await fetch(base + path, { method, headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body) });
  const j = await r.json();
  if (!r.ok) throw new Error(`${method} ${path}: ${JSON.stringify(j.value)}`);
  return j.value;
}

async function main() {
  for (let i = 0; i < 100; i++) {
    try { await fetch(base + "/status"); break; } catch { await sleep(100); }
  }
  const session = await wd("POST", "/session", { capabilities: { alwaysMatch: { "goog:chromeOptions": {
    binary: "/usr/bin/chromium",
    args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--window-size=1400,1800", `--user-data-dir=${mkdtempSync(join(tmpdir(), "agentrace-chromium-"))}`] } } } });
  const sid = session.sessionId;
  const find = async (css) => {
    for (let i = 0; i < 100; i++) {
      try { return await wd("POST", `/session/${sid}/element`, { using: "css selector", value: css }); }
      catch { await sleep(100); }
    }
    throw new Error(`no element ${css}`);
  };
  const text = async (css) => wd("GET", `/session/${sid}/element/${Object.values(await find(css))[0]}/text`);
  try {
    await wd("POST", `/session/${sid}/url`, { url });
    const statement = await text("#statement");
    const before = await text("#progress");
    const keys = [key, "\uE007"];  // the grade, then Enter
    await wd("POST", `/session/${sid}/actions`, { actions: [{ type: "key", id: "kb", actions:
      keys.flatMap((k) => [{ type: "keyDown", value: k }, { type: "keyUp", value: k }]) }] });
    let status = "";
    for (let i = 0; i < 100 && !status.startsWith("stored"); i++) { status = await text("#status"); await sleep(100); }
    await sleep(300);
    const after = await text("#progress");
    const png = await wd("GET", `/session/${sid}/screenshot`);
    writeFileSync(screenshot, Buffer.from(png, "base64"));
    console.log(JSON.stringify({ statement: statement.slice(0, 80), before, status, after }));
  } finally {
    await wd("DELETE", `/session/${sid}`).catch(() => {});
    driver.kill();
  }
}
main().catch((e) => { console.error(String(e)); driver.kill(); process.exit(1); });
