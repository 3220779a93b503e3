// ui-shot.js: the lab VM's UI seen from its host (vagrant/test-vagrant.sh):
// loads AGENT_URL/ui/ through the forwarded port, records a CPU snapshot of
// the loaded demo through the form, and saves a screenshot of the drawn
// flamegraph. Prints one JSON line of what the page showed, for the caller's checks.
//   node ui-shot.js AGENT_URL SECONDS OUT.png
const { chromium } = require('playwright-core');

const [agent, secondsArg, out] = process.argv.slice(2);
const seconds = Number(secondsArg);

(async () => {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await page.goto(`${agent}/ui/`, { timeout: 60000 });
  // The agent keeps its snapshots across page loads: the new one's id is past them all.
  await page.waitForSelector('#snap-table', { timeout: 30000 });
  const ids = await page.$$eval('#snap-table tbody tr[data-id]', (rows) => rows.map((r) => Number(r.dataset.id)));
  const id = Math.max(0, ...ids) + 1;
  await page.selectOption('#rec-kind', 'cpu');
  await page.fill('#rec-seconds', String(seconds));
  await page.click('#rec-button');
  // An emulated VM answers slowly: allow a minute beyond the window.
  await page.waitForFunction((want) => new RegExp(`[#&]s=${want}(&|$)`).test(location.hash)
    && !document.getElementById('graph-wrap').hidden, id, { timeout: (seconds + 60) * 1000 });
  await page.screenshot({ path: out });
  const shown = await page.evaluate((want) => {
    const canvas = document.getElementById('graph');
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
      if (a >= 200 && !(r > 240 && g > 240 && b > 240)) painted++;
    }
    const functions = [...document.querySelectorAll('#top-table tbody tr[data-fn]')].map((r) => r.dataset.fn);
    return { snapshot: want, painted, rows: functions.length, encryptData: functions.includes('encryptData'), top: functions.slice(0, 5) };
  }, id);
  console.log(JSON.stringify(shown));
  await browser.close();
})().catch((e) => { console.error(`vagrant-shot: ${e.message.split('\n')[0]}`); process.exit(1); });
