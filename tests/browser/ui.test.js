// ui.test.js: the flamegraph UI of a real `bpfprof serve`, in Debian's
// headless Chromium driven by playwright-core. The CPU walk's target is
// tests/workloads/cpu_split, whose work_a takes half the CPU and whose
// late thread starts when the page signals it, so two snapshots differ. The heap
// walk's is tests/workloads/alloc_sites under a second agent tracing every
// allocation: the test signals it to allocate (SIGUSR1) and to exit.
// Last, the SVG flamegraph `bpfprof record` wrote of the CPU walk's target:
// its own script zooms and searches, and its colours are the UI's.
// Prints TAP; screenshots go to the artifact directory.
//   node ui.test.js BASE_URL ARTIFACT_DIR HEAP_BASE_URL HEAP_TARGET_PID CPU_TARGET_PID SVG_PATH
const { chromium } = require('playwright-core');
const path = require('path');

const [base, artifacts, heapBase, heapPidArg, cpuPidArg, svgPath] = process.argv.slice(2);
const heapPid = Number(heapPidArg);
const cpuPid = Number(cpuPidArg);
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

// Records (cpu, allocs, block, mutex, wall) or takes (heap, leaks) snapshot `id` through the
// Record form and waits until the page shows it. during() runs while it
// records. Returns whether a progress bar showed; only a window has one.
async function record(page, { kind = 'cpu', seconds, id, during }) {
  await page.selectOption('#rec-kind', kind);
  if (seconds !== undefined) await page.fill('#rec-seconds', String(seconds));
  await page.click('#rec-button');
  const windowed = !['heap', 'leaks'].includes(kind);
  const progress = windowed
    && await page.waitForSelector('.rec-item .bar', { timeout: 5000 }).then(() => true, () => false);
  if (during) await during();
  await page.waitForFunction((want) => new RegExp(`[#&]s=${want}(&|$)`).test(location.hash)
    && !document.getElementById('graph-wrap').hidden, id, { timeout: ((windowed ? seconds : 0) + 10) * 1000 });
  return progress;
}

// The sample type selector: its options and its value.
function sampleTypes(page) {
  return page.$eval('#sample-type', (sel) => ({ options: [...sel.options].map((o) => o.value), value: sel.value }));
}

// A top-table row's cells by function name (null: not listed).
function topRow(page, fn) {
  return page.$$eval('#top-table tbody tr[data-fn]', (rows, want) => {
    const row = rows.find((r) => r.dataset.fn === want);
    return row ? [...row.cells].map((c) => c.textContent) : null;
  }, fn);
}

// The snapshot table's row for id, by column header.
function snapRow(page, id) {
  return page.$eval('#snap-table', (table, want) => {
    const heads = [...table.tHead.rows[0].cells].map((c) => c.textContent);
    const row = table.querySelector(`tbody tr[data-id="${want}"]`);
    return row ? Object.fromEntries(heads.map((h, i) => [h, row.cells[i].textContent])) : null;
  }, id);
}

// Which profile kinds the Record form offers: {kind: enabled}.
function kindOptions(page) {
  return page.$$eval('#rec-kind option', (opts) => Object.fromEntries(opts.map((o) => [o.value, !o.disabled])));
}

// The SVG's frame whose title starts with `name (`, as its rect shows it now.
function svgFrame(page, name) {
  return page.evaluate((want) => {
    const g = [...document.querySelectorAll('.fg-frames g[data-d]')]
      .find((el) => el.querySelector('title').textContent.startsWith(want + ' ('));
    if (!g) return null;
    const rect = g.querySelector('rect');
    return { width: Number(rect.getAttribute('width')), fill: rect.getAttribute('fill'), shown: g.style.display !== 'none' };
  }, name);
}

// The first node named `name` in a flame JSON tree, depth first.
function jsonNode(node, name) {
  if (node.name === name) return node;
  for (const child of node.children || []) {
    const found = jsonNode(child, name);
    if (found) return found;
  }
  return null;
}

// '#rrggbb' as the SVG writes it, 'rgb(r,g,b)'.
function hexToRgb(hex) {
  const n = parseInt(String(hex).slice(1), 16);
  return `rgb(${n >> 16},${(n >> 8) & 255},${n & 255})`;
}

async function checkSvg(page) {
  await page.goto('file://' + svgPath);
  const frames = await page.$$eval('.fg-frames g[data-d]', (gs) => gs.length);
  const layerWidth = Number(await page.getAttribute('.fg-frames', 'data-width'));
  const before = await svgFrame(page, 'work_a');
  check('the SVG flamegraph record wrote shows the target\'s frames', frames > 10 && before !== null, { frames, before });

  const flame = await (await fetch(base + '/api/snapshots/1/flame')).json();
  const node = jsonNode(flame.root, 'work_a');
  check('a function has the same colour in the SVG and in the UI\'s JSON',
    node && before && hexToRgb(node.colour) === before.fill, { json: node && node.colour, svg: before && before.fill });

  await page.locator('.fg-frames g[data-d]', { has: page.locator('title', { hasText: /^work_a \(/ }) }).first()
    .locator('rect').click();
  const zoomed = await svgFrame(page, 'work_a');
  const beside = await svgFrame(page, 'work_b');
  check('clicking a frame in the SVG zooms it to the full width and hides the frames beside it',
    Math.abs(zoomed.width - layerWidth) < 0.5 && beside && !beside.shown
      && await page.getAttribute('.fg-reset', 'visibility') === 'visible', { zoomed, beside, layerWidth });
  await page.click('.fg-reset');
  const reset = await svgFrame(page, 'work_a');
  check('Reset Zoom in the SVG restores every frame', Math.abs(reset.width - before.width) < 0.01
    && (await svgFrame(page, 'work_b')).shown && await page.getAttribute('.fg-reset', 'visibility') === 'hidden', reset);

  page.once('dialog', (dialog) => dialog.accept('^work_a$'));
  await page.click('.fg-search');
  const status = await page.textContent('.fg-matched');
  const share = Number((status.match(/Matched: ([\d.]+)%/) || [])[1]);
  const hit = await svgFrame(page, 'work_a');
  check('search in the SVG highlights work_a and reports its share near 50%',
    hit.fill === 'rgb(230,0,230)' && share > 40 && share < 60, { status, hit });
  await page.keyboard.press('Escape');
  check('Escape clears the SVG\'s search and its colours come back', (await svgFrame(page, 'work_a')).fill === before.fill
    && await page.getAttribute('.fg-matched', 'visibility') === 'hidden');
  await page.screenshot({ path: path.join(artifacts, 'svg-flame.png') });
}

(async () => {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  const offsite = [];
  const newPage = async (origin) => {
    const p = await context.newPage();
    p.on('pageerror', (e) => errors.push(e.message));
    p.on('request', (r) => { if (!r.url().startsWith(origin) && !r.url().startsWith('data:')) offsite.push(r.url()); });
    return p;
  };
  let page = await newPage(base);
  const shot = (name) => page.screenshot({ path: path.join(artifacts, name) });

  try {
    await page.goto(`${base}/ui/`);
    await page.waitForFunction(() => /cpu_split/.test(document.getElementById('traced-set').textContent), null,
      { timeout: 5000 });
    check('the page loads and shows the target', true);

    check('recording shows a progress bar', await record(page, { seconds: 2, id: 1 }));
    const painted = await canvasColours(page);
    check('a real profile renders as frames', painted.painted > 2000, painted);
    await shot('ui-flame.png');

    // At 1280x900 the comments' dozen lines of counters would push the graph
    // below the fold: one health line shows, the comments open on demand.
    const head = await page.evaluate(() => ({
      health: document.getElementById('view-health').textContent,
      open: document.getElementById('view-notes').open,
      graphTop: document.getElementById('graph-wrap').getBoundingClientRect().top,
      scrollY: window.scrollY,
      height: window.innerHeight,
    }));
    check('a one-line health summary: samples, lost, unwinding',
      /^[\d,]+ samples · [\d,]+ lost · unwinding: --unwind \S+ · \d+ notes$/.test(head.health), head);
    check('the flamegraph starts above the fold, the comments folded',
      !head.open && head.scrollY === 0 && head.graphTop + 100 < head.height, head);
    await page.click('#view-health');
    check('the full comments open on demand', await page.isVisible('#view-comments')
      && /event: .* Hz/.test(await page.textContent('#view-comments')));
    await page.click('#view-health');

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

    // The late thread starts on SIGUSR1, sent only now: the second snapshot
    // has it, the first cannot (a start on a timer raced a slow Chromium).
    process.kill(cpuPid, 'SIGUSR1');
    await page.waitForTimeout(300);
    await record(page, { seconds: 2, id: 2 });
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

    // --- heap kinds on the same agent (--heap): cpu_split allocates nothing
    // once running, so only what any heap snapshot has is checked here.
    await page.selectOption('#rec-kind', 'leaks');
    check('leaks ask for an age, from 0 s', await page.textContent('#rec-seconds-label') === 'Older than (s)'
      && await page.getAttribute('#rec-seconds', 'min') === '0' && await page.textContent('#rec-button') === 'Find leaks');
    await page.selectOption('#rec-kind', 'heap');
    const hint = await page.textContent('#rec-hint');
    check('heap kinds say what they count and the sampling rate', /since bpfprof attached/.test(hint)
      && /524,288 bytes/.test(hint), hint);
    check('a heap snapshot asks for no seconds', await page.isHidden('#rec-seconds')
      && await page.textContent('#rec-button') === 'Take heap snapshot');
    await record(page, { kind: 'heap', id: 3 });
    const cpuHeapTypes = await sampleTypes(page);
    check('a heap snapshot offers the four heap sample types, inuse_space chosen',
      ['alloc_objects', 'alloc_space', 'inuse_objects', 'inuse_space'].every((t) => cpuHeapTypes.options.includes(t))
      && cpuHeapTypes.value === 'inuse_space', cpuHeapTypes);
    const comments = await page.textContent('#view-comments');
    check('its comments say allocations before attach are invisible', /before attach/.test(comments), comments);
    const heapRow = await snapRow(page, 3);
    check('the table shows the kind, and "now" for its seconds', heapRow && heapRow.kind === 'heap'
      && heapRow.secs === 'now', heapRow);
    check('the title names the kind', /heap in use/.test(await page.textContent('#view-title')));
    await page.check('#snap-table input[name="pick-base"][value="1"]');
    await page.check('#snap-table input[name="pick-target"][value="3"]');
    check('a CPU and a heap snapshot are not offered for comparison', await page.isDisabled('#compare-button')
      && /share no sample type/.test(await page.textContent('#compare-hint')));

    // --- an agent without --heap, as /api/traced-set says heap_rate 0
    const noHeap = await newPage(base);
    await noHeap.route('**/api/traced-set', async (route) => {
      const response = await route.fetch();
      route.fulfill({ response, json: Object.assign(await response.json(), { heap_rate: 0 }) });
    });
    await noHeap.goto(`${base}/ui/`);
    await noHeap.waitForFunction(() => document.querySelector('#rec-kind option[value="heap"]').disabled, null,
      { timeout: 5000 });
    const offered = await kindOptions(noHeap);
    const why = await noHeap.getAttribute('#rec-kind option[value="leaks"]', 'title');
    check('without heap tracing only CPU is offered, and the others say why',
      offered.cpu && !offered.heap && !offered.allocs && !offered.leaks && /--heap/.test(why), { offered, why });
    await noHeap.close();

    // --- the wall clock on cpu_split
    check('a wall-clock recording shows a progress bar', await record(page, { kind: 'wall', seconds: 2, id: 4 }));
    const wallTypes = await sampleTypes(page);
    check('it has one sample type, wall', wallTypes.value === 'wall' && wallTypes.options.length === 1, wallTypes);
    const states = await page.evaluate(async () => {
      const tree = await (await fetch('/api/snapshots/4/flame')).json();
      return JSON.stringify(tree).match(/"name":"(on|off)-CPU","kind":"state"/g) || [];
    });
    // cpu_split's threads rarely leave the CPU; waits.c's wall clock is checked in test_offcpu.
    check('its flame tree starts with the on-CPU state', states.some((m) => /on-CPU/.test(m)), states);
    await shot('ui-wall.png');

    // --- the heap walk: alloc_sites allocates while allocations record
    page = await newPage(heapBase);
    await page.goto(`${heapBase}/ui/`);
    await page.waitForFunction(() => /alloc_sites/.test(document.getElementById('traced-set').textContent), null,
      { timeout: 5000 });
    check('an allocations recording shows a progress bar', await record(page, {
      kind: 'allocs', seconds: 2, id: 1, during: async () => { await page.waitForTimeout(300); process.kill(heapPid, 'SIGUSR1'); },
    }));
    const allocTypes = await sampleTypes(page);
    check('it opens on alloc_space', allocTypes.value === 'alloc_space' && allocTypes.options.length === 4, allocTypes);
    const churn = await topRow(page, 'churn');
    check('churn allocated 1 GiB in the window, shown in GiB', churn && churn.includes('1.00 GiB'), churn);

    await record(page, { kind: 'heap', id: 2 });
    check('a heap snapshot opens on inuse_space', (await sampleTypes(page)).value === 'inuse_space');
    const heapPainted = await canvasColours(page);
    check('and draws a flame graph', heapPainted.painted > 2000, heapPainted);
    const calloc = await topRow(page, 'keep_calloc');
    check('keep_calloc keeps 1 MiB, shown in MiB', calloc && calloc.includes('1.00 MiB'), calloc);
    await shot('ui-heap.png');

    await record(page, { kind: 'leaks', seconds: 1, id: 3 });
    const leakTypes = await sampleTypes(page);
    check('a leaks snapshot has the two in-use types, inuse_space chosen',
      leakTypes.options.join() === 'inuse_objects,inuse_space' && leakTypes.value === 'inuse_space', leakTypes);
    check('it lists the kept allocations, not the freed churn',
      (await topRow(page, 'keep_small')) !== null && (await topRow(page, 'churn')) === null);
    const leakRow = await snapRow(page, 3);
    check('the table shows the least age as ≥1 s', leakRow && leakRow.secs === '≥1 s', leakRow);

    await page.check('#snap-table input[name="pick-base"][value="2"]');
    await page.check('#snap-table input[name="pick-target"][value="3"]');
    await page.click('#compare-button');
    await page.waitForFunction(() => location.hash.includes('base=2&target=3')
      && !document.getElementById('graph-wrap').hidden, null, { timeout: 5000 });
    const diffTypes = await sampleTypes(page);
    check('heap and leaks compare on the types they share', diffTypes.options.join() === 'inuse_objects,inuse_space',
      diffTypes);

    process.kill(heapPid, 'SIGTERM');
    await page.waitForFunction(() => document.querySelector('#rec-kind option[value="cpu"]').disabled, null,
      { timeout: 10000 });
    const afterExit = await kindOptions(page);
    check('after the target exits, heap and leak snapshots are still offered, CPU and allocations not',
      !afterExit.cpu && !afterExit.allocs && afterExit.heap && afterExit.leaks, afterExit);
    await record(page, { kind: 'heap', id: 4 });
    check('a heap snapshot after the exit shows the heap as of the exit', (await topRow(page, 'keep_calloc')) !== null
      && /exited/.test(await page.textContent('#view-comments')));

    // Deleting the snapshot on view: its row and its view go, and the agent forgets it.
    await page.click('#snap-table tr[data-id="4"] button.delete');
    await page.waitForFunction(() => !document.querySelector('#snap-table tr[data-id="4"]'), null, { timeout: 5000 });
    check('the × deletes the snapshot on view: its row goes and the view says so',
      /Snapshot #4 was deleted/.test(await page.textContent('#view-msg'))
      && await page.$eval('#graph-wrap', (g) => g.hidden));
    const gone = await page.evaluate(async (url) => (await fetch(url + '/api/snapshots/4')).status, heapBase);
    check('and the agent answers 404 for it', gone === 404, gone);

    const svgPage = await context.newPage();
    svgPage.on('pageerror', (e) => errors.push('SVG: ' + e.message));
    await checkSvg(svgPage);

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
