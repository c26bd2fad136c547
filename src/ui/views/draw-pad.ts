/**
 * `<sneakpeek-draw-pad>`: a square canvas to draw on with a finger, a pen or a mouse (Pointer
 * Events). It draws light strokes on black, as Fashion-MNIST stores its products, and fires
 * `drawing-change` after each stroke. `greyImage()` returns what was drawn.
 */
import { LitElement, css, html } from 'lit';
import type { GreyImage } from '../image-input.js';

/** Canvas side in device-independent pixels; the drawing is scaled down to 28×28 on submit. */
const PAD_SIDE = 280;
/** Brush diameter as a share of the side: about 2.5 pixels of the 28×28 input. */
const BRUSH_SHARE = 0.09;

declare global {
  interface HTMLElementTagNameMap {
    'sneakpeek-draw-pad': SneakPeekDrawPad;
  }
}

export class SneakPeekDrawPad extends LitElement {
  private context: CanvasRenderingContext2D | undefined;
  private lastPoint: { x: number; y: number } | undefined;
  /** Whether anything was drawn since the last `clear()`. */
  empty = true;

  override firstUpdated(): void {
    const canvas = this.renderRoot.querySelector('canvas')!;
    this.context = canvas.getContext('2d', { willReadFrequently: true })!;
    this.clear();
  }

  /** Erases the drawing. */
  clear(): void {
    const context = this.context;
    if (context === undefined) return;
    context.fillStyle = '#000';
    context.fillRect(0, 0, PAD_SIDE, PAD_SIDE);
    this.empty = true;
    this.dispatchEvent(new Event('drawing-change', { bubbles: true, composed: true }));
  }

  /** Returns the drawing as grey pixels at the canvas resolution. */
  greyImage(): GreyImage {
    const data = this.context!.getImageData(0, 0, PAD_SIDE, PAD_SIDE).data;
    const pixels = new Uint8ClampedArray(PAD_SIDE * PAD_SIDE);
    // The strokes are grey on black, so the red channel is the grey level.
    for (let index = 0; index < pixels.length; index++) pixels[index] = data[index * 4]!;
    return { width: PAD_SIDE, height: PAD_SIDE, pixels };
  }

  private point(event: PointerEvent): { x: number; y: number } {
    const box = this.renderRoot.querySelector('canvas')!.getBoundingClientRect();
    return { x: ((event.clientX - box.left) / box.width) * PAD_SIDE, y: ((event.clientY - box.top) / box.height) * PAD_SIDE };
  }

  private down(event: PointerEvent): void {
    (event.currentTarget as HTMLCanvasElement).setPointerCapture(event.pointerId);
    this.lastPoint = this.point(event);
    this.stroke(this.lastPoint);
    event.preventDefault();
  }

  private move(event: PointerEvent): void {
    if (this.lastPoint === undefined) return;
    // Coalesced events keep fast strokes smooth where the browser offers them.
    const points = event.getCoalescedEvents?.() ?? [event];
    for (const coalesced of points.length > 0 ? points : [event]) this.stroke(this.point(coalesced));
  }

  private up(): void {
    if (this.lastPoint === undefined) return;
    this.lastPoint = undefined;
    this.dispatchEvent(new Event('drawing-change', { bubbles: true, composed: true }));
  }

  private stroke(to: { x: number; y: number }): void {
    const context = this.context!;
    const from = this.lastPoint ?? to;
    context.strokeStyle = '#fff';
    context.lineWidth = BRUSH_SHARE * PAD_SIDE;
    context.lineCap = 'round';
    context.lineJoin = 'round';
    context.beginPath();
    context.moveTo(from.x, from.y);
    context.lineTo(to.x + 0.01, to.y);
    context.stroke();
    this.lastPoint = to;
    this.empty = false;
  }

  override render() {
    return html`<canvas
      width=${PAD_SIDE}
      height=${PAD_SIDE}
      role="img"
      aria-label="Drawing area: draw the product in light strokes on black with a finger, pen or mouse"
      @pointerdown=${this.down}
      @pointermove=${this.move}
      @pointerup=${this.up}
      @pointercancel=${this.up}
    ></canvas>`;
  }

  static override styles = css`
    :host {
      display: inline-block;
    }
    canvas {
      display: block;
      width: min(280px, 70vw);
      aspect-ratio: 1;
      border: 2px solid #1b1f24;
      border-radius: 0.3rem;
      touch-action: none;
      cursor: crosshair;
    }
  `;
}

customElements.define('sneakpeek-draw-pad', SneakPeekDrawPad);
