// The page: a drawing pad read by the library exactly as `lenet5 predict` reads a picture, every layer's
// maps, the shipped models, MNIST's test digits, photos, and training from scratch in a worker
// (train-worker.js). All the arithmetic is the C++ library's (lenet5.wasm); this file draws.
'use strict';

const PAD_SIZE = 280;  // CSS pixels: MNIST's 28×28 field, ten times
// MNIST's strokes are 2.6 pixels wide (the test set's median, measured as 2·ink / Σ|∇ink|) in its 28-pixel
// field, where a digit's longer side is 20: the pen is as wide relative to the guide box, the 20×20 box.
const PEN_WIDTH = PAD_SIZE * 2.6 / 28;
const MODEL_FILES = {modern: 'models/lenet5-modern.model', classic: 'models/lenet5-classic.model'};
// One pass in batches of 16 reaches 98.8-99.0 % test accuracy (native runs, seeds 1-6; docs/web.md); the
// quick look is for the page's test.
const TRAINING = {full: {images: 0, epochs: 1, batch: 16}, quick: {images: 5000, epochs: 1, batch: 16}};
// Each layer's maps drawn at this many screen pixels per value.
const MAP_SCALE = {input: 4, C1: 2, S2: 3, C3: 4, S4: 6, C5: 9, F6: 9, OUTPUT: 14};
const MAP_CAPTION = {
  input: '32×32, prepared as MNIST', C1: '6 maps 28×28', S2: '6 maps 14×14', C3: '16 maps 10×10',
  S4: '16 maps 5×5', C5: '120 units', F6: '84 units, as 7×12 bitmaps',
  OUTPUT: '10 scores (classic: RBF penalties, the smallest wins)'};

const $ = (id) => document.getElementById(id);

// Everything the page knows; tests and the measurements (tests/web/) read it as window.lenet5Demo.
const state = {
  lenet5: null,     // the library (Lenet5, lenet5-api.js)
  models: {},       // name → model file bytes
  model: 'modern',
  photo: null,      // {pixels, width, height} while the pad shows a photo
  testDigits: null,  // a promise of MNIST's test images and labels
  reading: null,    // the last reading and its maps
  timings: [],      // per reading: {total, prepare, classifyTrace} in ms
  training: false,
  worker: null,
};
window.lenet5Demo = state;

function showMessage(text) {
  $('message').textContent = text;
}

// ---- the pad ---------------------------------------------------------------------------------------------

const pad = $('pad');
const ratio = window.devicePixelRatio || 1;  // drawn at the screen's resolution
pad.width = pad.height = Math.round(PAD_SIZE * ratio);
const padContext = pad.getContext('2d', {willReadFrequently: true});
padContext.scale(pad.width / PAD_SIZE, pad.height / PAD_SIZE);

function clearPad() {
  padContext.fillStyle = '#fff';
  padContext.fillRect(0, 0, PAD_SIZE, PAD_SIZE);
  state.photo = null;
}

function padPoint(event) {
  const box = pad.getBoundingClientRect();
  return {x: (event.clientX - box.left) * PAD_SIZE / box.width, y: (event.clientY - box.top) * PAD_SIZE / box.height};
}

function inkStyle() {
  padContext.strokeStyle = padContext.fillStyle = '#000';
  padContext.lineWidth = PEN_WIDTH;
  padContext.lineCap = padContext.lineJoin = 'round';
}

let penAt = null;
pad.addEventListener('pointerdown', (event) => {
  pad.setPointerCapture(event.pointerId);
  state.photo = null;  // drawing over a photo reads the pad as it now looks
  penAt = padPoint(event);
  inkStyle();
  padContext.beginPath();
  padContext.arc(penAt.x, penAt.y, PEN_WIDTH / 2, 0, 2 * Math.PI);
  padContext.fill();
  scheduleReading();
});
pad.addEventListener('pointermove', (event) => {
  if (!penAt) return;
  inkStyle();
  padContext.beginPath();
  padContext.moveTo(penAt.x, penAt.y);
  for (const moved of event.getCoalescedEvents ? event.getCoalescedEvents() : [event]) {
    penAt = padPoint(moved);
    padContext.lineTo(penAt.x, penAt.y);
  }
  padContext.stroke();
  scheduleReading();
});
for (const type of ['pointerup', 'pointercancel']) pad.addEventListener(type, () => { penAt = null; });

// A grey 28×28 MNIST digit (0 background, 255 ink) shown on the pad as dark ink, ten pixels per pixel.
function showDigitOnPad(pixels) {
  const field = document.createElement('canvas');
  field.width = field.height = 28;
  const image = new ImageData(28, 28);
  for (let i = 0; i < 784; ++i) {
    image.data.fill(255 - pixels[i], 4 * i, 4 * i + 3);
    image.data[4 * i + 3] = 255;
  }
  field.getContext('2d').putImageData(image, 0, 0);
  clearPad();
  padContext.imageSmoothingEnabled = false;
  padContext.drawImage(field, 0, 0, PAD_SIZE, PAD_SIZE);
}

// ---- reading ---------------------------------------------------------------------------------------------

let readingScheduled = false;
function scheduleReading() {
  if (readingScheduled) return;
  readingScheduled = true;
  requestAnimationFrame(() => {
    readingScheduled = false;
    readPicture();
  });
}

// What is read: the photo as loaded (full size), else the pad's pixels.
function currentPicture() {
  if (state.photo) return state.photo;
  return {pixels: padContext.getImageData(0, 0, pad.width, pad.height).data, width: pad.width, height: pad.height};
}

function readPicture() {
  if (!state.lenet5 || state.training) return;  // while training, the worker's snapshots are shown
  const picture = currentPicture();
  const started = performance.now();
  let result;
  try {
    result = state.lenet5.readPicture(picture.pixels, picture.width, picture.height, 4);
  } catch (error) {
    showMessage(error.message);
    return;
  }
  const total = performance.now() - started;
  showMessage('');
  showReading(result);
  if (result.reading.ink) {
    const {prepare_ms: prepare, classify_trace_ms: classifyTrace} = result.reading;
    state.timings.push({total, prepare, classifyTrace});
    $('timing').textContent = `read in ${total.toFixed(2)} ms: prepared in ${prepare.toFixed(2)} ms, ` +
                              `classified and traced in ${classifyTrace.toFixed(2)} ms`;
  }
}

const bars = [];
function buildBars(classes) {
  const box = $('probabilities');
  box.replaceChildren();
  bars.length = 0;
  for (const name of classes) {
    const label = document.createElement('div');
    label.textContent = name;
    const bar = document.createElement('div');
    bar.className = 'bar';
    bar.append(document.createElement('span'));
    const percent = document.createElement('div');
    percent.className = 'percent';
    box.append(label, bar, percent);
    bars.push({bar, percent});
  }
}

function showReading(result) {
  state.reading = result;
  const {reading, maps} = result;
  if (!reading.ink) {
    $('prediction').textContent = '–';
    $('confidence').textContent = 'no digit found';
    for (const {bar, percent} of bars) {
      bar.firstChild.style.width = '0';
      percent.textContent = '';
    }
    clearMaps();
    return;
  }
  if (bars.length !== reading.classes.length) buildBars(reading.classes);
  $('prediction').textContent = reading.classes[reading.label];
  $('confidence').textContent = `${(100 * reading.confidence).toFixed(1)} % sure`;
  reading.probabilities.forEach((p, i) => {
    bars[i].bar.firstChild.style.width = `${(100 * p).toFixed(1)}%`;
    bars[i].bar.classList.toggle('top', i === reading.label);
    bars[i].percent.textContent = `${(100 * p).toFixed(1)} %`;
  });
  drawMaps(maps);
}

// ---- the maps --------------------------------------------------------------------------------------------

const mapCanvases = {};
for (const name of Object.keys(MAP_CAPTION)) {
  const figure = document.createElement('figure');
  const canvas = document.createElement('canvas');
  canvas.id = `map-${name}`;
  const caption = document.createElement('figcaption');
  const title = document.createElement('b');
  title.textContent = name;
  caption.append(title, ` ${MAP_CAPTION[name]}`);
  figure.append(canvas, caption);
  document.querySelector('#maps .maps').append(figure);
  mapCanvases[name] = canvas;
}

// How a layer's values are laid out as a picture: maps side by side (8 to a row), 1-pixel gaps; units of
// a vector as a grid of cells, F6's 84 as the RBF prototypes' bitmaps, 7 wide and 12 tall: the classic
// model's F6 draws the stylised digit its output compares against (docs/rbf-prototypes.md).
function mapLayout(shape) {
  if (shape.length === 3) {
    const [count, height, width] = shape;
    const columns = Math.min(count, 8);
    return {count, columns, rows: Math.ceil(count / columns), height, width, gap: 1};
  }
  const count = shape[0];
  const columns = {84: 7, 120: 20}[count] || count;
  return {count, columns, rows: Math.ceil(count / columns), height: 1, width: 1, gap: 0};
}

const INK = [27, 31, 42], WARM = [217, 119, 26], GAP = [226, 229, 236];

function drawMap(canvas, scale, map, layer) {
  const {count, columns, rows, height, width, gap} = mapLayout(map.shape);
  const pictureWidth = columns * width + (columns - 1) * gap, pictureHeight = rows * height + (rows - 1) * gap;
  canvas.width = pictureWidth;
  canvas.height = pictureHeight;
  canvas.style.width = `${pictureWidth * scale}px`;
  canvas.style.height = `${pictureHeight * scale}px`;
  const image = new ImageData(pictureWidth, pictureHeight);
  for (let i = 0; i < image.data.length; i += 4) image.data.set([...GAP, 255], i);
  // The input from its smallest value (the background) to its largest; a layer's maps each from −max|v| to
  // max|v| over the map (a few strong maps would leave the others blank), its units over all of them.
  const range = (values) => values.reduce(([low, high], v) => [Math.min(low, v), Math.max(high, Math.abs(v))], [0, 0]);
  let [low, high] = range(map.values);
  const size = height * width;
  for (let m = 0; m < count; ++m) {
    if (layer !== 'input' && size > 1) [low, high] = range(map.values.subarray(m * size, (m + 1) * size));
    const left = (m % columns) * (width + gap), top = Math.floor(m / columns) * (height + gap);
    for (let y = 0; y < height; ++y)
      for (let x = 0; x < width; ++x) {
        const v = map.values[(m * height + y) * width + x];
        const t = layer === 'input' ? (v - low) / (high - low || 1) : v / (high || 1);
        const colour = t >= 0 ? INK : WARM, strength = Math.min(Math.abs(t), 1);
        const at = 4 * ((top + y) * pictureWidth + left + x);
        for (let c = 0; c < 3; ++c) image.data[at + c] = Math.round(255 + (colour[c] - 255) * strength);
      }
  }
  canvas.getContext('2d').putImageData(image, 0, 0);
}

function drawMaps(maps) {
  for (const [name, canvas] of Object.entries(mapCanvases))
    if (maps[name]) drawMap(canvas, MAP_SCALE[name], maps[name], name);
}

function clearMaps() {
  for (const canvas of Object.values(mapCanvases)) canvas.getContext('2d').clearRect(0, 0, canvas.width, canvas.height);
}

// ---- models, test digits, photos -------------------------------------------------------------------------

async function useModel(name) {
  if (!state.models[name]) state.models[name] = await fetchBytes(MODEL_FILES[name]);
  state.lenet5.useModel(name, state.models[name]);
  state.model = name;
}

$('model').addEventListener('change', async (event) => {
  try {
    await useModel(event.target.value);
    readPicture();
  } catch (error) {
    showMessage(error.message);
  }
});

$('clear').addEventListener('click', () => {
  clearPad();
  $('source').textContent = '';
  readPicture();
});

// MNIST's test set: count × 28 × 28 images after a 16-byte header, labels after an 8-byte one.
function testDigits() {
  if (!state.testDigits)
    state.testDigits = Promise.all([fetchGzip('mnist/t10k-images-idx3-ubyte.gz'),
                                    fetchGzip('mnist/t10k-labels-idx1-ubyte.gz')])
      .then(([images, labels]) => ({images: images.subarray(16), labels: labels.subarray(8), count: labels.length - 8}));
  return state.testDigits;
}

$('random-digit').addEventListener('click', async () => {
  try {
    const digits = await testDigits();
    const index = Math.floor(Math.random() * digits.count);
    showDigitOnPad(digits.images.subarray(784 * index, 784 * (index + 1)));
    $('source').textContent = `MNIST test digit ${index + 1}, labelled ${digits.labels[index]}`;
    readPicture();
  } catch (error) {
    showMessage(`No MNIST test digits: ${error.message}`);
  }
});

// A photo is decoded by the browser (EXIF orientation applied) and read at its full size, as the CLI reads
// it; the pad shows it fitted in.
$('photo').addEventListener('change', async (event) => {
  const file = event.target.files[0];
  event.target.value = '';
  if (!file) return;
  try {
    const bitmap = await createImageBitmap(file);
    const canvas = document.createElement('canvas');
    canvas.width = bitmap.width;
    canvas.height = bitmap.height;
    const context = canvas.getContext('2d');
    context.drawImage(bitmap, 0, 0);
    clearPad();
    const fit = Math.min(PAD_SIZE / bitmap.width, PAD_SIZE / bitmap.height);
    padContext.imageSmoothingEnabled = true;
    padContext.drawImage(bitmap, (PAD_SIZE - bitmap.width * fit) / 2, (PAD_SIZE - bitmap.height * fit) / 2,
                         bitmap.width * fit, bitmap.height * fit);
    state.photo = {pixels: context.getImageData(0, 0, bitmap.width, bitmap.height).data,
                   width: bitmap.width, height: bitmap.height};
    $('source').textContent = `${file.name}, ${bitmap.width}×${bitmap.height}`;
    readPicture();
  } catch (error) {
    showMessage(`${file.name}: cannot read it as a picture (${error.message})`);
  }
});

// ---- training ----------------------------------------------------------------------------------------------

const curve = {loss: [], error: [], total: 1};  // [digits seen, value] points

// Training loss and test error on one logarithmic scale: both fall by orders of magnitude, and the last
// tenths of a percent are where the interest is.
function drawCurve() {
  const canvas = $('curve');
  const width = canvas.clientWidth, height = canvas.clientHeight;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  const context = canvas.getContext('2d');
  context.scale(ratio, ratio);
  const left = 44, right = width - 44, top = 8, bottom = height - 24;
  const low = Math.log10(0.005), high = Math.log10(3);
  const x = (images) => left + (right - left) * images / curve.total;
  const y = (value) => bottom - (bottom - top) * (Math.min(Math.max(Math.log10(value), low), high) - low) / (high - low);
  context.font = '11px system-ui, sans-serif';
  context.lineWidth = 1;
  for (const value of [0.01, 0.03, 0.1, 0.3, 1, 3]) {
    context.strokeStyle = '#d9dde5';
    context.beginPath();
    context.moveTo(left, y(value));
    context.lineTo(right, y(value));
    context.stroke();
    context.fillStyle = '#2456c8';
    context.textAlign = 'right';
    context.fillText(String(value), left - 6, y(value) + 4);
    if (value <= 1) {
      context.fillStyle = '#d9771a';
      context.textAlign = 'left';
      context.fillText(`${100 * value} %`, right + 6, y(value) + 4);
    }
  }
  context.fillStyle = '#5d6472';
  context.textAlign = 'center';
  context.fillText('digits seen →    blue: training loss (left)    orange: test error (right)',
                   (left + right) / 2, height - 6);
  const line = (points, colour) => {
    context.strokeStyle = colour;
    context.lineWidth = 2;
    context.beginPath();
    points.forEach(([images, value], i) => (i ? context.lineTo : context.moveTo).call(context, x(images), y(value)));
    context.stroke();
  };
  line(curve.loss, '#2456c8');
  line(curve.error, '#d9771a');
}

function trainingStatus(text, data = {}) {
  const status = $('train-status');
  status.textContent = text;
  Object.assign(status.dataset, data);
}

function startTraining() {
  const plan = TRAINING[$('train-size').value];
  if (!state.worker) {
    state.worker = new Worker('train-worker.js');
    state.worker.onmessage = ({data}) => onTrainingMessage(data);
    state.worker.onerror = (event) => finishTraining(`training failed: ${event.message}`);
  }
  state.training = true;
  $('train').disabled = true;
  $('download').hidden = true;
  curve.loss = [];
  curve.error = [];
  curve.total = 1;
  drawCurve();
  trainingStatus('loading MNIST…', {state: 'loading'});
  const picture = currentPicture();
  state.worker.postMessage({type: 'train', ...plan, picture: {...picture, pixels: picture.pixels.slice()}});
}

function finishTraining(error) {
  state.training = false;
  $('train').disabled = false;
  if (error) {
    trainingStatus(error, {state: 'failed'});
    showMessage(error);
  }
}

function onTrainingMessage(message) {
  const event = message.event;
  switch (message.type) {
    case 'progress': {
      curve.total = message.epochs * event.total;
      const seen = (event.epoch - 1) * event.total + event.done;
      curve.loss.push([seen, event.loss]);
      trainingStatus(`pass ${event.epoch} of ${message.epochs}: ${seen.toLocaleString('en')} digits, ` +
                     `${Math.round(event.done / event.seconds).toLocaleString('en')} images/s, loss ${event.loss.toFixed(3)}`,
                     {state: 'training'});
      drawCurve();
      break;
    }
    case 'snapshot':
      if (message.accuracy !== undefined) curve.error.push([message.seen, 1 - message.accuracy]);
      if (message.reading) {
        showReading({reading: message.reading, maps: message.maps});
        $('timing').textContent = `the network in training, after ${message.seen.toLocaleString('en')} digits`;
      }
      drawCurve();
      break;
    case 'epoch':
      curve.error.push([event.epoch * curve.total / message.epochs, 1 - event.test_accuracy]);
      drawCurve();
      break;
    case 'done': {
      finishTraining();
      state.models.trained = message.model;
      if (!$('model').querySelector('option[value=trained]'))
        $('model').append(new Option('trained here', 'trained'));
      $('model').value = 'trained';
      state.lenet5.useModel('trained', message.model);
      state.model = 'trained';
      const download = $('download');
      URL.revokeObjectURL(download.href);
      download.href = URL.createObjectURL(new Blob([message.model]));
      download.hidden = false;
      const last = message.epochs_report[message.epochs_report.length - 1];
      const imagesPerS = message.images / message.training_seconds;
      trainingStatus(`trained on ${message.images.toLocaleString('en')} digits in ${message.training_seconds.toFixed(1)} s ` +
                     `(${Math.round(imagesPerS).toLocaleString('en')} images/s; ${message.seconds.toFixed(1)} s in all, ` +
                     `with loading MNIST and testing): ${(100 * last.test_accuracy).toFixed(2)} % of the 10,000 test digits right`,
                     {state: 'done', imagesPerS: imagesPerS.toFixed(0), trainingSeconds: message.training_seconds.toFixed(2),
                      seconds: message.seconds.toFixed(2), testAccuracy: last.test_accuracy});
      readPicture();
      break;
    }
    case 'status':
      trainingStatus(message.text, {state: 'loading'});
      break;
    case 'error':
      finishTraining(`training failed: ${message.message}`);
      break;
  }
}

$('train').addEventListener('click', startTraining);

// ---- start -------------------------------------------------------------------------------------------------

(async () => {
  clearPad();
  drawCurve();
  try {
    state.lenet5 = await Lenet5.load(createLenet5);
    await useModel('modern');
    document.body.dataset.ready = 'true';
  } catch (error) {
    showMessage(`The network could not be loaded: ${error.message}`);
  }
})();
