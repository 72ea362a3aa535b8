const { TestEnvironment } = require('jest-environment-node');

/**
 * Jest runs each test file in its own realm, so a Float32Array made by a native addon (onnxruntime's
 * outputs) fails `instanceof Float32Array` inside the test. Sharing the real constructors keeps
 * native and test code on the same typed arrays, as they are in production.
 */
class NativeTypedArraysEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of [
      'ArrayBuffer',
      'SharedArrayBuffer',
      'DataView',
      'Int8Array',
      'Uint8Array',
      'Uint8ClampedArray',
      'Int16Array',
      'Uint16Array',
      'Int32Array',
      'Uint32Array',
      'Float16Array',
      'Float32Array',
      'Float64Array',
      'BigInt64Array',
      'BigUint64Array',
    ]) {
      if (globalThis[name]) this.global[name] = globalThis[name];
    }
  }
}

module.exports = NativeTypedArraysEnvironment;
