/** A predicate on training steps (from 1): when to evaluate, checkpoint, ... @public */
export type AtStep = (step: number) => boolean;

/** True at step 1 and at every multiple of `period` (Trax's default for evals and checkpoints). @public */
export function atStep1AndEvery(period: number): AtStep {
  return (step) => step === 1 || (step > 0 && step % period === 0);
}

/** Never true. @public */
export const never: AtStep = () => false;
