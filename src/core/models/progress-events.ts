import type { Progress } from '../util/progress';
import type { RunEvent } from './types';

/**
 * Maps run events onto the core's Progress interface (the extension's
 * withProgress, the CLI's stderr lines): one increment per finished node,
 * the node being run as the message.
 */
export function progressReporter(progress: Progress): (event: RunEvent) => void {
  return (event) => {
    switch (event.kind) {
      case 'started':
        progress.report({ message: `${event.index + 1}/${event.total} ${event.node.name}` });
        break;
      case 'skipped':
        if (event.unchanged) {
          const message = `${event.index + 1}/${event.total} ${event.node.name} (unchanged)`;
          progress.report(event.total > 0 ? { message, increment: 100 / event.total } : { message });
          break;
        }
        if (event.total > 0) progress.report({ increment: 100 / event.total });
        break;
      case 'succeeded':
      case 'failed':
        if (event.total > 0) progress.report({ increment: 100 / event.total });
        break;
      case 'log':
        break;
    }
  };
}
