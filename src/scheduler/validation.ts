/**
 * Checks a submission at the scheduler's boundary, so nothing invalid reaches the queue or
 * onnxruntime-web. The client runs the same checks first to fail fast on the main thread.
 */
import type { ApplicationManifest } from '../core/manifest.js';
import type { SubmitMessage } from '../protocol/messages.js';
import { checkDeadline, checkInput, checkWeight } from '../core/request-checks.js';

export function validateSubmission(
  message: SubmitMessage,
  application: ApplicationManifest | undefined,
  knownApplications: readonly string[],
  duplicateId: boolean,
  arrival: number,
): asserts application is ApplicationManifest {
  if (application === undefined) {
    throw new RangeError(
      `Unknown application "${message.application}"; this runtime serves ${knownApplications.map((id) => `"${id}"`).join(', ') || 'no applications'}.`,
    );
  }
  if (duplicateId) {
    throw new RangeError(`Request id "${message.id}" is already in use by an open request; give each request a unique id.`);
  }
  checkInput(message.application, message.input, application.input.shape.slice(1));
  checkDeadline(message.deadline, arrival);
  checkWeight(message.weight);
}
