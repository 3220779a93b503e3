// tutorial-shots.js: the screenshots of docs/tutorial.md, taken from the
// real UI of an agent attached to the loaded demo server: a CPU snapshot of
// naive, the server switched to fast, a second snapshot, and the
// differential flamegraph of the two. Used by docs/tools/tutorial-shots.sh.
//   node tutorial-shots.js AGENT_URL SERVER_URL OUT_DIR
const { chromium } = require('playwright-core');
const path = require('path');

const [agent, server, out] = process.argv.slice(2);

// Records a CPU snapshot of seconds through the form; resolves once it is drawn.
async function snapshot(page, id, seconds) {
  await page.selectOption('#rec-kind', 'cpu');
  await page.fill('#rec-seconds', String(seconds));
  await page.click('#rec-button');
  await page.waitForFunction((want) => new RegExp(`[#&]s=${want}(&|$)`).test(location.hash)
    && !document.getElementById('graph-wrap').hidden, id, { timeout: (seconds + 15) * 1000 });
}

(async () => {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await page.goto(`${agent}/ui/`);
  await snapshot(page, 1, 10);
  await page.screenshot({ path: path.join(out, 'tutorial-naive.png') });
  await fetch(`${server}/impl?name=fast`, { method: 'POST' });
  await snapshot(page, 2, 10);
  await page.check('#snap-table input[name="pick-base"][value="1"]');
  await page.check('#snap-table input[name="pick-target"][value="2"]');
  await page.click('#compare-button');
  await page.waitForFunction(() => /[#&]base=1/.test(location.hash) && !document.getElementById('graph-wrap').hidden,
    null, { timeout: 15000 });
  await page.screenshot({ path: path.join(out, 'tutorial-diff.png') });
  await browser.close();
})().catch((e) => { console.error(e.message); process.exit(1); });
