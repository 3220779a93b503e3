// ui.test.js: the flamegraph UI of a real `bpfprof serve`, in Debian's
// headless Chromium driven by playwright-core. The target is
// tests/workloads/cpu_split, whose work_a takes half the CPU and whose
// late thread starts a few seconds in, so two snapshots differ.
// Prints TAP; screenshots go to the artifact directory.
//   node ui.test.js BASE_URL ARTIFACT_DIR
const { chromium } = require('playwright-core');
const path = require('path');

const [base, artifacts] = process.argv.slice(2);
let count = 0;
let failures = 0;
function check(name, condition, detail) {
  count++;
  if (condition) {
    console.log(`ok ${count} - ${name}`);
  } else {
    failures++;
    console.log(`not ok ${count} - ${name}`);
    if (detail !== undefined) console.log(`# ${JSON.stringify(detail).slice(0, 500)}`);
  }
}

// Pixels of the flamegraph canvas by colour family.
function canvasColours(page) {
  return page.evaluate(() => {
    const canvas = document.getElementById('graph');
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    const n = { painted: 0, magenta: 0, red: 0, blue: 0 };
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
      if (a < 200 || (r > 240 && g > 240 && b > 240)) continue;
      n.painted++;
      if (r > 180 && b > 180 && g < 130) n.magenta++;
      else if (r > 170 && r - g > 60 && r - b > 60) n.red++;
      else if (b > 150 && b - r > 50) n.blue++;
    }
    return n;
  });
}

async function record(page, seconds, id) {
  await page.fill('#rec-seconds', String(seconds));
  await page.click('#rec-button');
  const progress = await page.waitForSelector('.rec-item .bar', { timeout: 5000 }).then(() => true, () => false);
  await page.waitForFunction((want) => location.hash.includes(`s=${want}`)
    && !document.getElementById('graph-wrap').hidden, id, { timeout: (seconds + 10) * 1000 });
  return progress;
}

(async () => {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run'],
  });
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  const errors = [];
  const offsite = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => { if (!r.url().startsWith(base) && !r.url().startsWith('data:')) offsite.push(r.url()); });
  const shot = (name) => page.screenshot({ path: path.join(artifacts, name) });

  try {
    await page.goto(`${base}/ui/`);
    await page.waitForFunction(() => /cpu_split/.test(document.getElementById('target').textContent), null,
      { timeout: 5000 });
    check('the page loads and shows the target', true);

    check('recording shows a progress bar', await record(page, 2, 1));
    const painted = await canvasColours(page);
    check('a real profile renders as frames', painted.painted > 2000, painted);
    await shot('ui-flame.png');

    const box = await page.locator('#graph').boundingBox();
    const rowY = (depth) => box.y + box.height - 1 - 18 * depth - 9; // flame: root at the bottom, 18 px rows
    await page.mouse.move(box.x + 60, rowY(0));
    await page.waitForTimeout(150);
    const tip = await page.textContent('#tooltip');
    check('hovering a frame shows its total and share', tip.includes('all') && tip.includes('%'), tip);

    await page.mouse.click(box.x + 60, rowY(2));
    await page.waitForTimeout(200);
    const crumbs = await page.textContent('#crumb-trail');
    check('clicking a frame zooms into it', /main/.test(crumbs) && (await page.evaluate(() => location.hash)).includes('zoom='),
      crumbs);
    await shot('ui-zoomed.png');
    await page.click('#reset-zoom');
    await page.waitForTimeout(150);
    check('Reset zooms back out', (await page.textContent('#crumb-trail')).trim() === 'all');

    await page.fill('#search', '^work_a$');
    await page.waitForTimeout(400);
    const status = await page.textContent('#search-status');
    const matched = Number((status.match(/Matched: ([\d.]+)%/) || [])[1]);
    check('search reports work_a near its true 50% share', matched > 40 && matched < 60, status);
    check('search highlights matching frames', (await canvasColours(page)).magenta > 200);
    await shot('ui-search.png');
    await page.fill('#search', '');
    await page.waitForTimeout(400);

    const topRows = await page.$$eval('#top-table tbody tr[data-fn]', (rows) => rows.map((r) => r.dataset.fn));
    check('the top table lists the functions', topRows.includes('burn') && topRows.includes('work_a'), topRows);
    await page.click('#top-table th[data-key="cum"]');
    await page.waitForTimeout(150);
    const firstByCum = await page.$eval('#top-table tbody tr[data-fn]', (row) => row.dataset.fn);
    check('sorting by cum puts a root-side function first', /main|__libc_start|_start|start_thread|clone/.test(firstByCum),
      firstByCum);

    // The late thread starts 8 s into the workload (Chromium may take seconds to start):
    // the second snapshot has it, the first does not.
    await page.waitForTimeout(6500);
    await record(page, 2, 2);
    await page.check('#snap-table input[name="pick-base"][value="1"]');
    await page.check('#snap-table input[name="pick-target"][value="2"]');
    await page.click('#compare-button');
    await page.waitForFunction(() => location.hash.includes('base=1&target=2')
      && !document.getElementById('graph-wrap').hidden, null, { timeout: 5000 });
    await page.waitForTimeout(300);
    const diff = await canvasColours(page);
    check('the diff view shows growth in red and reduction in blue', diff.red > 200 && diff.blue > 200, diff);
    check('the diff legend explains the colours', /red/i.test(await page.textContent('#legend')));
    await shot('ui-diff.png');

    check('no script errors', errors.length === 0, errors);
    check('nothing fetched from outside the agent', offsite.length === 0, offsite);
  } catch (e) {
    check(`the walk through the UI completes (${e.message.split('\n')[0]})`, false);
    await shot('ui-failure.png').catch(() => {});
  }
  await browser.close();
  console.log(`1..${count}`);
  process.exit(failures ? 1 : 0);
})();
