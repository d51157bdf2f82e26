import { type BackendName, useBackend } from '../../src/backend/backends.js';

/** The backends every layer test runs on in Node, with the same assertions. */
export const NODE_BACKENDS: BackendName[] = ['cpu', 'wasm'];

/** `describe` once per Node backend, switching to it before the block's tests. */
export function describeOnBackends(title: string, body: (backend: BackendName) => void): void {
  describe.each(NODE_BACKENDS)(`${title} [%s]`, (backend) => {
    beforeAll(async () => {
      await useBackend(backend);
    });
    body(backend);
  });
}
