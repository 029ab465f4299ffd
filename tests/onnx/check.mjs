// Runs an exported ONNX model in ONNX Runtime on MNIST's 10,000 test images and compares it with the
// model's own outputs (lenet5_dump_scores): every image's scores within 1e-5 of its largest |score|, and
// the same class for every image; images whose top two scores are closer than 1e-4 (near-ties, where the
// class may differ by rounding) are counted. Prints one JSON line, with ONNX Runtime's accuracy; exits 1
// unless all agree.
//   node check.mjs MODEL.onnx OURS.scores MNIST_DIR
import { readFileSync, existsSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { basename, join } from 'node:path';
import ort from 'onnxruntime-node';

const [onnxPath, oursPath, mnistDir] = process.argv.slice(2);
const kRelativeTolerance = 1e-5, kNearTie = 1e-4, kBatch = 1000;

// An IDX file of MNIST's test split, gzip-compressed or not.
function readIdx(dir, name, magic) {
  const plain = join(dir, name);
  const bytes = existsSync(plain) ? readFileSync(plain) : gunzipSync(readFileSync(plain + '.gz'));
  if (bytes.readUInt32BE(0) !== magic) throw new Error(`${plain}: not the IDX file expected`);
  return bytes;
}

// The images, [count][rows][cols] bytes after a 16-byte header, and their labels after an 8-byte one.
function readTestSplit(dir) {
  const bytes = readIdx(dir, 't10k-images-idx3-ubyte', 0x803);
  const [count, rows, cols] = [bytes.readUInt32BE(4), bytes.readUInt32BE(8), bytes.readUInt32BE(12)];
  const labels = readIdx(dir, 't10k-labels-idx1-ubyte', 0x801).subarray(8, 8 + count);
  return { count, rows, cols, pixels: bytes.subarray(16, 16 + count * rows * cols), labels };
}

// Images first..first+n as the model's input: each centred on the input canvas, bytes / 255, 0 outside.
function inputBatch(images, first, n, [height, width]) {
  const data = new Float32Array(n * height * width);
  const top = (height - images.rows) >> 1, left = (width - images.cols) >> 1;
  for (let i = 0; i < n; ++i)
    for (let y = 0; y < images.rows; ++y)
      for (let x = 0; x < images.cols; ++x)
        data[(i * height + y + top) * width + x + left] = images.pixels[((first + i) * images.rows + y) * images.cols + x] / 255;
  return new ort.Tensor('float32', data, [n, 1, height, width]);
}

// The index of the highest value and its lead over the runner-up.
function best(values) {
  let top = 0;
  for (let c = 1; c < values.length; ++c) if (values[c] > values[top]) top = c;
  let second = -Infinity;
  for (let c = 0; c < values.length; ++c) if (c !== top) second = Math.max(second, values[c]);
  return { top, margin: values[top] - second };
}

const session = await ort.InferenceSession.create(onnxPath);
const images = readTestSplit(mnistDir);
const oursBytes = readFileSync(oursPath);
const ours = new Float32Array(oursBytes.buffer, oursBytes.byteOffset, oursBytes.length / 4);
const classes = ours.length / images.count;
const penalties = session.outputNames.includes('penalties');  // ours are then penalties: the smallest wins
const [, channels, ...canvas] = session.inputMetadata[0].shape;  // [N, 1, 32, 32] for MNIST's models
if (channels !== 1) throw new Error(`${onnxPath} reads ${channels}-channel images; MNIST's are grey`);

let worst = 0, worstImage = -1, differentClasses = 0, nearTies = 0, correct = 0;
for (let first = 0; first < images.count; first += kBatch) {
  const n = Math.min(kBatch, images.count - first);
  const result = await session.run({ image: inputBatch(images, first, n, canvas) });
  const scores = result.scores.data;
  if (result.scores.dims.join() !== [n, classes].join()) throw new Error(`scores are [${result.scores.dims}], not [${n},${classes}]`);
  for (let i = 0; i < n; ++i) {
    const image = first + i;
    const expected = Array.from(ours.subarray(image * classes, (image + 1) * classes), (v) => (penalties ? -v : v));
    const got = scores.subarray(i * classes, (i + 1) * classes);
    const largest = Math.max(...expected.map(Math.abs));
    for (let c = 0; c < classes; ++c) {
      let error = Math.abs(got[c] - expected[c]) / largest;
      if (penalties) error = Math.max(error, Math.abs(result.penalties.data[i * classes + c] + expected[c]) / largest);
      if (error > worst) [worst, worstImage] = [error, image];
    }
    const mine = best(expected), theirs = best(Array.from(got));
    if (theirs.top === images.labels[image]) ++correct;
    if (mine.margin < kNearTie) ++nearTies;
    else if (mine.top !== theirs.top) ++differentClasses;
  }
}
const ok = worst <= kRelativeTolerance && differentClasses === 0;
console.log(JSON.stringify({ model: basename(onnxPath), runtime: `onnxruntime-node ${ort.env.versions.node}`, images: images.count,
  accuracy: correct / images.count, max_relative_error: worst, worst_image: worstImage, different_classes: differentClasses, near_ties: nearTies, ok }));
process.exit(ok ? 0 : 1);
