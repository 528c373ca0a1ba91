// Jest runs tests in a separate realm whose typed-array constructors differ from Node's own.
// onnxruntime-node's native code returns output tensors as Node-realm Float32Arrays, which
// onnxruntime-common then rejects with `instanceof` ("A float32 tensor's data must be type of
// Float32Array"). Sharing the host's constructors makes both sides agree.
const { TestEnvironment } = require('jest-environment-node');

const SHARED = ['Float32Array', 'Float64Array', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'BigInt64Array', 'BigUint64Array'];

class OnnxTestEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
  }
}

module.exports = OnnxTestEnvironment;
