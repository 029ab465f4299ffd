// The WebAssembly build reads pictures as the native build does: MNIST's first 100 test digits, written as
// PGM files, read by the native CLI (`lenet5 predict --json`) and by the WebAssembly library under node
// (the same preparation, classification and trace, compiled by emscripten), with both shipped models; the
// probabilities must agree within 1e-5. Needs the site (scripts/build-web.sh), the native CLI ($LENET5_CLI,
// else build/lenet5) and MNIST ($LENET5_DATA, else data/mnist).
'use strict';
const assert = require('node:assert');
const {execFileSync} = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const test = require('node:test');
const zlib = require('node:zlib');
const {SITE} = require('./browser.js');
const {Lenet5} = require(path.join(SITE, 'lenet5-api.js'));

const ROOT = path.resolve(__dirname, '../..');
const CLI = process.env.LENET5_CLI || path.join(ROOT, 'build/lenet5');
const DATA = process.env.LENET5_DATA || path.join(ROOT, 'data/mnist');
const DIGITS = 100, TOLERANCE = 1e-5;

function testDigits(count) {
  const images = zlib.gunzipSync(fs.readFileSync(path.join(DATA, 't10k-images-idx3-ubyte.gz')));
  return Array.from({length: count}, (_, i) => images.subarray(16 + 784 * i, 16 + 784 * (i + 1)));
}

async function loadLibrary() {
  return Lenet5.load(require(path.join(SITE, 'lenet5.js')), {wasmBinary: fs.readFileSync(path.join(SITE, 'lenet5.wasm'))});
}

test('the WebAssembly build reads 100 MNIST test digits as the native build does', async (t) => {
  const digits = testDigits(DIGITS);
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'lenet5-web-'));
  t.after(() => fs.rmSync(folder, {recursive: true, force: true}));
  const files = digits.map((pixels, i) => {
    const file = path.join(folder, `digit-${String(i).padStart(3, '0')}.pgm`);
    fs.writeFileSync(file, Buffer.concat([Buffer.from('P5 28 28 255\n'), pixels]));
    return file;
  });
  const lenet5 = await loadLibrary();
  for (const model of ['modern', 'classic']) {
    const modelFile = path.join(ROOT, `models/lenet5-${model}.model`);
    const native = execFileSync(CLI, ['predict', '--json', '--model', modelFile, folder], {encoding: 'utf8'})
      .trim().split('\n').map((line) => JSON.parse(line));
    assert.strictEqual(native.length, DIGITS);
    lenet5.useModel(model, fs.readFileSync(modelFile));
    let largest = 0;
    native.forEach((expected, i) => {
      assert.strictEqual(expected.file, files[i]);
      const {reading, maps} = lenet5.readPicture(digits[i], 28, 28, 1);
      assert.ok(reading.ink, `${model}, digit ${i}: no ink found`);
      assert.strictEqual(reading.label, expected.prediction, `${model}, digit ${i}`);
      reading.probabilities.forEach((p, c) => { largest = Math.max(largest, Math.abs(p - expected.probabilities[c])); });
      assert.deepStrictEqual(Object.keys(maps), ['input', 'C1', 'S2', 'C3', 'S4', 'C5', 'F6', 'OUTPUT']);
    });
    console.log(`${model}: ${DIGITS} digits, largest probability difference ${largest.toExponential(2)}`);
    assert.ok(largest <= TOLERANCE, `${model}: probabilities differ by ${largest}, more than ${TOLERANCE}`);
  }
});

test('the library says what is wrong', async () => {
  const lenet5 = await loadLibrary();
  assert.throws(() => lenet5.readPicture(new Uint8Array(4), 2, 2, 1), /no model loaded/);
  assert.throws(() => lenet5.useModel('broken.model', new Uint8Array([1, 2, 3])), /broken\.model/);
  lenet5.useModel('modern', fs.readFileSync(path.join(ROOT, 'models/lenet5-modern.model')));
  assert.throws(() => lenet5.readPicture(new Uint8Array(4), 2, 2, 5), /channel/);
  assert.strictEqual(lenet5.readPicture(new Uint8Array(64).fill(255), 8, 8, 1).reading.ink, false);
  // This build has no zlib: a gzip IDX file is refused with a message, not misread.
  const gzip = zlib.gzipSync(Buffer.from([0, 0, 8, 1, 0, 0, 0, 1, 7]));
  assert.throws(() => lenet5.loadMnist({'train-images-idx3-ubyte': gzip, 'train-labels-idx1-ubyte': gzip}),
                /train-images-idx3-ubyte: gzip-compressed, .* no zlib/);
});

// Training runs the same arithmetic as the native build, in another order (other vector widths, no fused
// multiply-add): 20 batches of Adam from the same initialisation must end at nearly the same loss and test
// accuracy.
test('the WebAssembly build trains as the native build does', async (t) => {
  const images = 1280;
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'lenet5-web-'));
  t.after(() => fs.rmSync(folder, {recursive: true, force: true}));
  const native = JSON.parse(execFileSync(CLI, ['train', '--data', DATA, '--limit', String(images), '--epochs', '1',
                                               '--threads', '1', '--json', '--out', path.join(folder, 'native.model')],
                                         {encoding: 'utf8'}).trim().split('\n').pop());
  const lenet5 = await loadLibrary();
  const files = {};
  for (const prefix of ['train', 't10k'])
    for (const name of [`${prefix}-images-idx3-ubyte`, `${prefix}-labels-idx1-ubyte`])
      files[name] = zlib.gunzipSync(fs.readFileSync(path.join(DATA, name + '.gz')));
  assert.strictEqual(lenet5.loadMnist(files), 60000);
  const events = [];
  lenet5.train({images, epochs: 1, testImages: 10000, seed: 1}, (event) => events.push(event));
  const web = events.find((event) => event.event === 'epoch');
  console.log(`${images} images: train loss ${web.train_loss} (native ${native.train_loss}), ` +
              `test accuracy ${web.test_accuracy} (native ${native.test_accuracy})`);
  assert.ok(Math.abs(web.train_loss - native.train_loss) <= 1e-4 * native.train_loss);
  assert.ok(Math.abs(web.test_accuracy - native.test_accuracy) <= 0.002);
  assert.ok(events.some((event) => event.event === 'progress'));
});
