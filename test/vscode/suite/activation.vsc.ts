// The extension loads in a real VS Code and contributes its commands.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

import { test } from './harness';

const EXTENSION_ID = 'lakehouse-dev.lakehouse-dev';

test('the extension activates', async () => {
  const extension = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is not installed in the test instance`);
  await extension.activate();
  assert.equal(extension.isActive, true);
});

test('lakehouse.refresh is registered', async () => {
  const commands = await vscode.commands.getCommands(true);
  assert.ok(commands.includes('lakehouse.refresh'), 'lakehouse.refresh is not among the registered commands');
});
