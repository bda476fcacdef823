import * as vscode from 'vscode';
import { redactSecrets } from '../core/config/credentials';
import { describeError, isCancelled, LakehouseError } from '../core/errors';
import type { Logger } from './log';

export type CommandHandler = (...args: unknown[]) => unknown;

/**
 * Every command runs through here: logged, a failure shown once with a way to
 * the log, a user cancel kept silent. Handlers just throw.
 */
export function wrapCommand(id: string, handler: CommandHandler, log: Logger): CommandHandler {
  return async (...args: unknown[]) => {
    log.debug(`command ${id}`);
    try {
      return await handler(...args);
    } catch (error) {
      if (isCancelled(error)) {
        log.info(`${id}: cancelled`);
        return undefined;
      }
      const message = redactSecrets(describeError(error));
      log.error(`${id}: ${error instanceof LakehouseError ? `[${error.code}] ` : ''}${message}`);
      if (!(error instanceof LakehouseError) && error instanceof Error && error.stack) log.debug(error.stack);
      // A missing sign-in gets its fix as the action; everything else the log.
      const signIn =
        error instanceof LakehouseError && (error.code === 'signin-required' || error.code === 'fabric-signin');
      const choice = await vscode.window.showErrorMessage(message, signIn ? 'Sign In' : 'Show Log');
      if (choice === 'Show Log') log.show(true);
      if (choice === 'Sign In') void vscode.commands.executeCommand('lakehouse.fabric.signIn');
      return undefined;
    }
  };
}
