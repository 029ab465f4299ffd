// What the browser tests share: the built site (build/web/) served over http, headless Chromium driven by
// puppeteer-core (the system's browser: nothing is downloaded), and digits drawn on the pad with the mouse.
'use strict';
const fs = require('fs');
const http = require('http');
const path = require('path');
const puppeteer = require('puppeteer-core');

const SITE = path.resolve(__dirname, '../../build/web');

const TYPES = {'.html': 'text/html', '.css': 'text/css', '.js': 'text/javascript', '.wasm': 'application/wasm',
               '.gz': 'application/gzip', '.model': 'application/octet-stream'};

// A static server of `dir` on a free port of 127.0.0.1: what any static host does, no more.
function serve(dir = SITE) {
  const server = http.createServer((request, response) => {
    const name = decodeURIComponent(new URL(request.url, 'http://localhost').pathname);
    const file = path.join(dir, name.endsWith('/') ? name + 'index.html' : name);
    if (!file.startsWith(dir) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, {'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream'});
    fs.createReadStream(file).pipe(response);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () =>
    resolve({url: `http://127.0.0.1:${server.address().port}/`, close: () => server.close()})));
}

function launch() {
  return puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox'],  // CI runs as root
  });
}

// The page at `url`, ready (its WebAssembly loaded), with every console error and uncaught exception kept
// in page.errors.
async function openPage(browser, url, viewport = {width: 1100, height: 1500}) {
  const page = await browser.newPage();
  page.errors = [];
  page.on('console', (message) => { if (message.type() === 'error') page.errors.push(message.text()); });
  page.on('pageerror', (error) => page.errors.push(error.message));
  await page.setViewport(viewport);
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', {timeout: 30000});
  return page;
}

// Digits as pen strokes in MNIST's 28×28 field (y down), inside its 20×20 box (4 to 24) as MNIST's are.
function arc(cx, cy, rx, ry, fromDegrees, toDegrees, steps = 16) {
  const points = [];
  for (let i = 0; i <= steps; ++i) {
    const angle = (fromDegrees + (toDegrees - fromDegrees) * i / steps) * Math.PI / 180;
    points.push([cx + rx * Math.cos(angle), cy + ry * Math.sin(angle)]);
  }
  return points;
}
const DIGITS = {
  0: [arc(14, 14, 6, 9.5, -90, 270, 28)],
  1: [[[15, 4.5], [13.5, 23.5]]],
  2: [[...arc(14, 10, 6, 5.5, 200, 380), [7.5, 23], [21, 23]]],
  3: [[...arc(13.5, 9.3, 5.5, 4.8, 200, 450), ...arc(13.5, 18.3, 6, 5, 270, 520)]],
  4: [[[16, 4.5], [7, 17], [21, 17]], [[16, 10], [16, 23.5]]],
  7: [[[7, 5.5], [21, 5.5], [12, 23.5]]],
};

// Draws `digit` on #pad with mouse events, stroke by stroke.
async function drawDigit(page, digit) {
  const box = await (await page.$('#pad')).boundingBox();
  const at = ([x, y]) => [box.x + x * box.width / 28, box.y + y * box.height / 28];
  for (const stroke of DIGITS[digit]) {
    await page.mouse.move(...at(stroke[0]));
    await page.mouse.down();
    for (const point of stroke.slice(1)) await page.mouse.move(...at(point), {steps: 4});
    await page.mouse.up();
  }
}

module.exports = {SITE, serve, launch, openPage, drawDigit, DIGITS};
