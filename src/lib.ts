/**
 * Entry of the library build (`npm run build:lib`): registers `<sneakpeek-runtime>` and exports
 * the element, its events and the runtime's public API.
 */
import './element/define.js';

export * from './index.js';
export { RUNTIME_ELEMENT_NAME } from './element/define.js';
export { SneakPeekRuntimeElement, ElementState } from './element/sneakpeek-runtime.js';
export { AttributeError } from './element/attributes.js';
export {
  SneakPeekErrorEvent,
  SneakPeekFaultEvent,
  SneakPeekOutcomeEvent,
  SneakPeekProgressEvent,
  SneakPeekReadyEvent,
  SneakPeekScheduleEvent,
  type SneakPeekRuntimeEventMap,
} from './element/events.js';
