// Training in the page, off its main thread: a worker with its own instance of the library loads MNIST (the
// gzip files served beside the page, inflated by the browser), trains the modern preset from scratch, and
// reports to the page (app.js) as it goes, with snapshots of the network reading the page's picture.
'use strict';
importScripts('lenet5.js', 'lenet5-api.js');

const MNIST_FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte',
                     't10k-labels-idx1-ubyte'];
// Snapshots cost training time (a trace is well under a millisecond; the accuracy on 500 test digits some
// tens): a trace every 200 ms, the accuracy every second.
const TRACE_EVERY_MS = 200, ACCURACY_EVERY_MS = 1000, ACCURACY_IMAGES = 500;

async function loadLibrary() {
  const lenet5 = await Lenet5.load(createLenet5);
  const files = {};
  await Promise.all(MNIST_FILES.map(async (name) => { files[name] = await fetchGzip(`mnist/${name}.gz`); }));
  lenet5.loadMnist(files);
  return lenet5;
}

let library = null;

function train(lenet5, {images, epochs, batch, picture}, started) {
  let lastTrace = -Infinity, lastAccuracy = -Infinity;
  const epochReports = [];
  lenet5.train({images, epochs, batch, testImages: 10000, seed: 1}, (event) => {
    postMessage({type: event.event, event, epochs});
    if (event.event === 'epoch') {
      epochReports.push(event);
      return;
    }
    const now = performance.now();
    const seen = (event.epoch - 1) * event.total + event.done;
    if (now - lastTrace >= TRACE_EVERY_MS) {
      lastTrace = now;
      const {reading, maps} = lenet5.readPicture(picture.pixels, picture.width, picture.height, 4);
      const snapshot = {type: 'snapshot', seen, reading: reading.ink ? reading : null, maps};
      if (now - lastAccuracy >= ACCURACY_EVERY_MS) {
        lastAccuracy = now;
        snapshot.accuracy = lenet5.testAccuracy(ACCURACY_IMAGES);
      }
      if (snapshot.accuracy !== undefined || snapshot.reading) postMessage(snapshot);
    }
  });
  const trainingSeconds = epochReports.reduce((sum, report) => sum + report.seconds, 0);
  postMessage({type: 'done', model: lenet5.modelFile(), images: epochs * epochReports[0].images, epochs,
               training_seconds: trainingSeconds, seconds: (performance.now() - started) / 1000,
               epochs_report: epochReports});
}

onmessage = async ({data}) => {
  const started = performance.now();
  try {
    if (!library) library = loadLibrary();
    const lenet5 = await library;
    postMessage({type: 'status', text: 'training…'});
    train(lenet5, data, started);
  } catch (error) {
    postMessage({type: 'error', message: error.message});
  }
};
