/** Registers `<sneakpeek-runtime>` unless the page already has an element by that name. */
import { SneakPeekRuntimeElement } from './sneakpeek-runtime.js';

export const RUNTIME_ELEMENT_NAME = 'sneakpeek-runtime';

if (customElements.get(RUNTIME_ELEMENT_NAME) === undefined) customElements.define(RUNTIME_ELEMENT_NAME, SneakPeekRuntimeElement);
