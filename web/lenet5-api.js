// The WebAssembly library (lenet5.js + lenet5.wasm, built from web/lenet5_web.cpp) as a small JavaScript
// class, for the page, its training worker and the node tests: bytes in and out of the module's memory,
// failures as Error with the library's message.
'use strict';

class Lenet5 {
  // `createModule` is emscripten's createLenet5; `options` go to it (node passes wasmBinary).
  static async load(createModule, options = {}) {
    return new Lenet5(await createModule(options));
  }

  constructor(module) {
    this.module = module;
  }

  // Calls the exported C function `name`; a status of −1 throws the library's message.
  call(name, ...args) {
    const status = this.module['_' + name](...args);
    if (status === -1) throw new Error(this.module.UTF8ToString(this.module._lenet5_error()));
    return status;
  }

  // Runs fn(address) with `bytes` copied into the module's memory for the call.
  withBytes(bytes, fn) {
    const address = this.module._malloc(Math.max(bytes.length, 1));
    try {
      this.module.HEAPU8.set(bytes, address);
      return fn(address);
    } finally {
      this.module._free(address);
    }
  }

  withText(text, fn) {
    return this.withBytes(new TextEncoder().encode(text + '\0'), fn);
  }

  // A model file's bytes become the classifier.
  useModel(name, bytes) {
    this.withText(name, (namePointer) =>
      this.withBytes(bytes, (address) => this.call('lenet5_use_model', namePointer, address, bytes.length)));
  }

  // Decoded pixels (width × height × channels: 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA) read as `lenet5
  // predict` reads a picture. Returns {reading, maps}: the reading's JSON parsed (reading.ink false: no
  // digit found) and every layer's maps as Float32Array views of a copy, keyed by name, with their shapes.
  readPicture(pixels, width, height, channels) {
    this.withBytes(pixels, (address) => this.call('lenet5_read_picture', address, width, height, channels));
    const reading = JSON.parse(this.module.UTF8ToString(this.module._lenet5_reading()));
    const maps = {};
    if (reading.ink) {
      const total = reading.maps.reduce((sum, map) => sum + map.shape.reduce((a, b) => a * b, 1), 0);
      const start = this.module._lenet5_maps() / 4;
      const values = this.module.HEAPF32.slice(start, start + total);
      for (const map of reading.maps) {
        const size = map.shape.reduce((a, b) => a * b, 1);
        maps[map.name] = {shape: map.shape, values: values.subarray(map.offset, map.offset + size)};
      }
    }
    return {reading, maps};
  }

  // MNIST's four files ({file name: plain IDX bytes}) put in the module's file system and loaded. Returns
  // the number of training images.
  loadMnist(files) {
    const FS = this.module.FS;
    FS.mkdirTree('/mnist');
    for (const [name, bytes] of Object.entries(files)) FS.writeFile('/mnist/' + name, bytes);
    try {
      return this.withText('/mnist', (dir) => this.call('lenet5_load_mnist', dir));
    } finally {
      for (const name of Object.keys(files)) FS.unlink('/mnist/' + name);  // the library holds its own copy
    }
  }

  // Trains the modern preset from scratch (lenet5_train), calling onEvent with each report (see
  // web/lenet5_web.cpp); meanwhile and after, readPicture reads with the model being trained.
  train({images = 0, epochs = 1, batch = 64, testImages = 10000, seed = 1}, onEvent) {
    this.module.onTraining = (json) => onEvent(JSON.parse(json));
    try {
      this.call('lenet5_train', images, epochs, batch, testImages, seed);
    } finally {
      this.module.onTraining = null;
    }
  }

  // The classifier's accuracy (0–1) on the first `count` test images.
  testAccuracy(count) {
    return this.call('lenet5_test_accuracy', count) / 1e6;
  }

  // The classifier's model as a model file (the format `lenet5` reads).
  modelFile() {
    const size = this.call('lenet5_save_model');
    const address = this.module._lenet5_model_file();
    return this.module.HEAPU8.slice(address, address + size);
  }
}

// The bytes at `url`, or an Error saying why there are none.
async function fetchBytes(url) {
  return new Uint8Array(await (await fetchOk(url)).arrayBuffer());
}

// A gzip file served beside the page (MNIST's), inflated by the browser: the library has no zlib. A host
// that sent it with Content-Encoding: gzip has had it inflated already.
async function fetchGzip(url) {
  const bytes = await fetchBytes(url);
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  const inflated = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(inflated).arrayBuffer());
}

async function fetchOk(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: ${response.status} ${response.statusText}`);
  return response;
}

if (typeof module !== 'undefined') module.exports = {Lenet5, fetchBytes, fetchGzip};
