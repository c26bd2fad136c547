/** Styles of `<sneakpeek-runtime>`: status line, error box and labelled progress bars. */
import { css } from 'lit';

export const runtimeElementStyles = css`
  :host {
    display: block;
    font-family: inherit;
  }
  :host([hidden]) {
    display: none;
  }
  .status,
  .message {
    margin: 0.5rem 0;
    color: #2c333b;
  }
  .error {
    margin: 0.5rem 0;
    padding: 0.5rem 0.75rem;
    border: 2px solid #a0111f;
    border-radius: 0.4rem;
    color: #7a0c17;
    background: #fff4f4;
  }
  .bar {
    display: grid;
    /* The same columns in every row, so the bars line up whatever the model ids. */
    grid-template-columns: 20rem minmax(8rem, 24rem) 3.5rem;
    gap: 0.75rem;
    align-items: center;
    margin: 0.25rem 0;
  }
  progress {
    width: 100%;
    height: 1rem;
  }
`;
