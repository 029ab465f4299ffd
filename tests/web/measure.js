// The figures and pictures of docs/web.md, measured in headless Chromium on the built site (not a test: run
// by hand, `node tests/web/measure.js [OUT_DIR]` after scripts/build-web.sh and npm ci in tests/web/):
//  - per reading of the pad: classify + trace, prepare, and the whole call, over every update while the
//    digits of browser.js are drawn (each pointer move asks for one reading, at most one a frame);
//  - the full training run of the page (one pass over 60,000 digits): its speed, time and test accuracy,
//    and the CPU time Chromium spent on it;
//  - the size of the page, its scripts and the WebAssembly;
//  - screenshots (OUT_DIR, default docs/images): drawing, the maps (both models), training.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const {SITE, serve, launch, openPage, drawDigit, DIGITS} = require('./browser.js');

const out = path.resolve(process.argv[2] || path.join(__dirname, '../../docs/images'));

// CPU seconds used so far by process `root` and its descendants (Linux /proc): the machine may be shared,
// and the CPU time a run takes depends far less on what else runs than its wall time does.
function cpuSeconds(root) {
  const processes = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    try {
      const fields = fs.readFileSync(`/proc/${entry}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
      processes.push({pid: Number(entry), parent: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12])});
    } catch {
      // gone meanwhile
    }
  }
  const tree = new Set([root]);
  for (let grown = true; grown;) {
    grown = false;
    for (const process of processes)
      if (!tree.has(process.pid) && tree.has(process.parent)) {
        tree.add(process.pid);
        grown = true;
      }
  }
  return processes.filter((process) => tree.has(process.pid)).reduce((sum, process) => sum + process.ticks, 0) / 100;
}

function summary(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return {median: at(0.5), p90: at(0.9), count: sorted.length};
}

(async () => {
  const server = await serve();
  const browser = await launch();
  const page = await openPage(browser, server.url);
  const figures = {};

  for (const digit of Object.keys(DIGITS)) {
    await page.click('#clear');
    await drawDigit(page, digit);
  }
  await page.click('#clear');
  await drawDigit(page, '3');
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
  const timings = await page.evaluate(() => window.lenet5Demo.timings);
  for (const key of ['classifyTrace', 'prepare', 'total'])
    figures[`reading_${key}_ms`] = summary(timings.map((timing) => timing[key]));
  figures.pad_pixels = await page.$eval('#pad', (pad) => `${pad.width}x${pad.height}`);
  await (await page.$('#reading')).screenshot({path: path.join(out, 'web-drawing.png')});
  await (await page.$('#maps')).screenshot({path: path.join(out, 'web-maps.png')});
  await page.select('#model', 'classic');
  await page.waitForFunction(() => window.lenet5Demo.model === 'classic');
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
  await (await page.$('#maps')).screenshot({path: path.join(out, 'web-maps-classic.png')});
  await page.select('#model', 'modern');
  await page.waitForFunction(() => window.lenet5Demo.model === 'modern');

  await page.select('#train-size', 'full');
  const cpuBefore = cpuSeconds(browser.process().pid);
  await page.click('#train');
  await page.waitForSelector('#train-status[data-state="done"], #train-status[data-state="failed"]', {timeout: 600000});
  figures.training = await page.$eval('#train-status', (element) => ({...element.dataset, text: element.textContent}));
  // The whole run's CPU time (loading MNIST, the snapshots and the tests included) against its 60,000 images.
  figures.training.cpu_seconds = cpuSeconds(browser.process().pid) - cpuBefore;
  figures.training.images_per_cpu_second = 60000 / figures.training.cpu_seconds;
  await (await page.$('#training')).screenshot({path: path.join(out, 'web-training.png')});

  const files = ['index.html', 'style.css', 'app.js', 'lenet5-api.js', 'train-worker.js', 'lenet5.js', 'lenet5.wasm'];
  figures.bytes = Object.fromEntries(files.map((file) => [file, fs.statSync(path.join(SITE, file)).size]));
  figures.bytes.total = files.reduce((sum, file) => sum + figures.bytes[file], 0);
  figures.browser = await browser.version();
  figures.console_errors = page.errors;
  console.log(JSON.stringify(figures, null, 2));
  await browser.close();
  server.close();
})();
