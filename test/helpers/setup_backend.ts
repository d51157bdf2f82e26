/**
 * Every test file starts on the wasm backend, the backend trax-ts is tuned for (importing the library registers
 * only cpu; `useBackend('wasm')` loads wasm). Tests that compare backends switch with `describeOnBackends`.
 */
import { useBackend } from '../../src/backend/backends.js';

beforeAll(async () => {
  await useBackend('wasm');
});
