// The served page in headless Chromium, used as a person would: digits drawn on the pad with the mouse are
// read right, prepared as MNIST's (stroke width included), every layer's maps drawn; the other model; a
// photo; a random test digit; a short training run in the page (its speed printed); and no console error
// on the way. Needs the site (scripts/build-web.sh) and Chromium ($CHROMIUM, else /usr/bin/chromium).
'use strict';
const assert = require('node:assert');
const path = require('node:path');
const test = require('node:test');
const {serve, launch, openPage, drawDigit, DIGITS} = require('./browser.js');

const ROOT = path.resolve(__dirname, '../..');
// MNIST's stroke widths (2·ink / Σ|∇ink| on a digit scaled to 0–1): 10th and 90th percentiles over the test
// set. The drawn digits' prepared inputs must fall between them.
const MNIST_STROKE = {low: 2.12, high: 3.51};

function strokeWidth(values, size) {
  let low = Infinity, high = -Infinity;
  for (const v of values) {
    low = Math.min(low, v);
    high = Math.max(high, v);
  }
  const at = (x, y) => (values[y * size + x] - low) / (high - low);
  // Central differences inside, one-sided at the edges (numpy.gradient's).
  const derivative = (get, i) =>
    (i === 0 ? get(1) - get(0) : i === size - 1 ? get(i) - get(i - 1) : (get(i + 1) - get(i - 1)) / 2);
  let ink = 0, gradient = 0;
  for (let y = 0; y < size; ++y)
    for (let x = 0; x < size; ++x) {
      ink += at(x, y);
      gradient += Math.hypot(derivative((i) => at(i, y), x), derivative((i) => at(x, i), y));
    }
  return 2 * ink / gradient;
}

// Waits until the page has read what was last drawn (readings happen on the next animation frame).
const settled = (page) =>
  page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
const text = (page, selector) => page.$eval(selector, (element) => element.textContent);

test('the page, used as a person would', async (t) => {
  const server = await serve();
  const browser = await launch();
  t.after(async () => {
    await browser.close();
    server.close();
  });
  const page = await openPage(browser, server.url);

  await t.test('digits drawn on the pad are read, prepared as MNIST digits are', async () => {
    for (const digit of Object.keys(DIGITS)) {
      await page.click('#clear');
      await drawDigit(page, digit);
      await settled(page);
      assert.strictEqual(await text(page, '#prediction'), digit, `drew a ${digit}`);
      const input = await page.evaluate(() => Array.from(window.lenet5Demo.reading.maps.input.values));
      const width = strokeWidth(input, 32);
      assert.ok(width >= MNIST_STROKE.low && width <= MNIST_STROKE.high, `the drawn ${digit}'s stroke is ${width} pixels`);
    }
  });

  await t.test('every layer\'s maps are drawn', async () => {
    const colours = await page.$$eval('#maps canvas', (canvases) => canvases.map((canvas) => {
      const {data} = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      const seen = new Set();
      for (let i = 0; i < data.length; i += 4) seen.add(`${data[i]},${data[i + 1]},${data[i + 2]},${data[i + 3]}`);
      return [canvas.id, seen.size];
    }));
    assert.strictEqual(colours.length, 8);
    for (const [id, count] of colours) assert.ok(count > 2, `${id} has ${count} colours`);
  });

  await t.test('the classic model reads the same digit', async () => {
    await page.select('#model', 'classic');
    await page.waitForFunction(() => window.lenet5Demo.model === 'classic');
    await settled(page);
    assert.strictEqual(await text(page, '#prediction'), '7');
    await page.select('#model', 'modern');
    await page.waitForFunction(() => window.lenet5Demo.model === 'modern');
  });

  await t.test('a photo is read as the CLI reads it', async () => {
    const input = await page.$('#photo');
    await input.uploadFile(path.join(ROOT, 'tests/install/seven.png'));
    await page.waitForFunction(() => document.getElementById('source').textContent.startsWith('seven.png'));
    await settled(page);
    assert.strictEqual(await text(page, '#prediction'), '7');
  });

  await t.test('a random test digit is shown and read', async () => {
    await page.click('#random-digit');
    await page.waitForFunction(() => document.getElementById('source').textContent.startsWith('MNIST test digit'));
    await settled(page);
    assert.match(await text(page, '#prediction'), /^[0-9]$/);
    const timings = await page.evaluate(() => window.lenet5Demo.timings);
    const median = (key) => timings.map((timing) => timing[key]).sort((a, b) => a - b)[timings.length >> 1];
    console.log(`per reading, median of ${timings.length}: classify + trace ${median('classifyTrace')} ms, ` +
                `prepare ${median('prepare')} ms, in all ${median('total').toFixed(2)} ms`);
  });

  await t.test('training in the page learns', async () => {
    await page.select('#train-size', 'quick');
    await page.click('#train');
    await page.waitForSelector('#train-status[data-state="done"], #train-status[data-state="failed"]', {timeout: 180000});
    const status = await page.$eval('#train-status', (element) => ({...element.dataset, text: element.textContent}));
    console.log(`in-page training: ${status.text}`);
    assert.strictEqual(status.state, 'done', status.text);
    assert.ok(Number(status.testAccuracy) >= 0.9, `test accuracy ${status.testAccuracy} after 5,000 digits`);
    assert.strictEqual(await page.$eval('#model', (select) => select.value), 'trained');
    assert.match(await text(page, '#prediction'), /^[0-9]$/);
  });

  assert.deepStrictEqual(page.errors, [], 'console errors');
});
