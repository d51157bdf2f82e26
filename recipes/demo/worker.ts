/**
 * The demo's Web Worker: runs the engine (engine.ts) off the page's main thread, so that tagging, backend switches
 * and fine-tuning never freeze the page. A module worker, built beside demo.js (scripts/build_browser.mjs); it
 * imports the library bundle (../trax.js) itself.
 */
import { DemoEngine } from './engine.js';
import type { EngineMessage, Request } from './protocol.js';

/** The parts of the worker's global scope used here (the project's TypeScript lib is the DOM one). */
const scope = self as unknown as {
  postMessage(message: EngineMessage, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<Request>) => void): void;
};

const engine = new DemoEngine((message, transfer) => scope.postMessage(message, transfer ?? []), 'worker');
scope.addEventListener('message', (event) => engine.handle(event.data));
