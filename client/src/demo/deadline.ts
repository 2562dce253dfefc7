// A step's deadline: a step that hangs (a peer or a node that never answers) must fail
// the demo with the step's name, not stall it. Both stories use it.
import { DemoCheckError } from './errors.js';

export async function withDeadline<T>(step: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DemoCheckError(step, `did not finish within ${Math.round(ms / 1000)} s`)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
