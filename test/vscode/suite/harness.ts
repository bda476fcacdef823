// A tiny test registry for the extension host: VS Code calls our run() and only
// needs a rejected promise on failure, so mocha or node:test would be dead weight.
type TestFn = () => void | Promise<void>;

const tests: { name: string; fn: TestFn }[] = [];

export function test(name: string, fn: TestFn): void {
  tests.push({ name, fn });
}

export async function runRegistered(): Promise<void> {
  let passed = 0;
  const failures: string[] = [];
  for (const { name, fn } of tests) {
    try {
      await fn();
      passed++;
      console.log(`  ✓ ${name}`);
    } catch (error) {
      const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
      failures.push(name);
      console.error(`  ✗ ${name}\n${detail}`);
    }
  }
  // The plain closing line CI reads.
  console.log(`${passed} passed, ${failures.length} failed`);
  if (failures.length > 0) throw new Error(`failed: ${failures.join('; ')}`);
}
