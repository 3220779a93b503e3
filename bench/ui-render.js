// ui-render.js: time from opening /ui/#s=1 to the flamegraph drawn, in
// headless Chromium; prints each run and the median.   node ui-render.js URL
const { chromium } = require('playwright-core');

(async () => {
  const base = process.argv[2];
  const runs = Number(process.env.RUNS || 3);
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run'],
  });
  const times = [];
  for (let i = 0; i < runs; i++) {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    const start = Date.now();
    await page.goto(`${base}/ui/#s=1`);
    await page.waitForFunction(() => !document.getElementById('graph-wrap').hidden, null, { timeout: 120000 });
    times.push(Date.now() - start);
    await page.close();
  }
  await browser.close();
  times.sort((a, b) => a - b);
  console.log(`page shown in ms, each run: ${times.join(' ')}; median ${times[Math.floor(times.length / 2)]}`);
})();
