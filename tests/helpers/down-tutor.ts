import { type TutorModel, TutorUnavailableError } from '../../services/tutor-model';

/**
 * A configured tutor model whose provider is down: the student pages offer the tutor (a model is configured) and
 * every question gets the tutor's 503, without a model server in the test.
 */
export const downTutor = (): TutorModel => {
  const down = () => new TutorUnavailableError('the AI model provider is not answering');
  return {
    model: 'down-model',
    complete: () => Promise.reject(down()),
    stream: () => {
      throw down();
    },
    moderate: () => Promise.reject(down()),
  };
};
