import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LakehouseError } from '../../errors';
import { ModelRuntimeError } from '../errors';
import type { NodeResult, NodeStatus } from '../types';
import { resourceType } from './log-events';

interface RunResultJson {
  status?: string;
  execution_time?: number;
  adapter_response?: { rows_affected?: number; _message?: string };
  message?: string | null;
  failures?: number | null;
  unique_id?: string;
  compiled_code?: string | null;
  relation_name?: string | null;
  timing?: Array<{ name?: string; started_at?: string; completed_at?: string }>;
}

export interface DbtRunResults {
  results: NodeResult[];
  elapsedTime: number;
  invocationId: string;
}

/** Reads dbt's target/run_results.json into the built-in runner's result shape. */
export function readDbtRunResults(
  projectDir: string,
  targetPath = 'target',
  notBefore?: Date,
): DbtRunResults | undefined {
  const file = join(projectDir, targetPath, 'run_results.json');
  if (!existsSync(file)) return undefined;
  const doc = JSON.parse(readFileSync(file, 'utf8')) as {
    metadata?: { invocation_id?: string; generated_at?: string };
    results?: RunResultJson[];
    elapsed_time?: number;
  };
  // A run_results.json left by an earlier invocation is not this run's.
  if (notBefore && doc.metadata?.generated_at && new Date(doc.metadata.generated_at) < notBefore) return undefined;
  return {
    results: (doc.results ?? []).map(toNodeResult),
    elapsedTime: doc.elapsed_time ?? 0,
    invocationId: doc.metadata?.invocation_id ?? '',
  };
}

function toNodeResult(raw: RunResultJson): NodeResult {
  const uniqueId = raw.unique_id ?? 'unknown';
  const parts = uniqueId.split('.');
  const type = resourceType(parts[0]);
  const name = type === 'test' ? (parts[2] ?? uniqueId) : parts[parts.length - 1]!;
  const execute = raw.timing?.find((t) => t.name === 'execute');
  const status = (raw.status ?? 'error') as NodeStatus;
  const message = raw.message ?? '';
  const result: NodeResult = {
    uniqueId,
    name,
    resourceType: type,
    status,
    executionTime: raw.execution_time ?? 0,
    message,
    startedAt: execute?.started_at ?? '',
    completedAt: execute?.completed_at ?? '',
  };
  const rows = raw.adapter_response?.rows_affected;
  if (typeof rows === 'number' && rows >= 0) result.rowsAffected = rows;
  if (typeof raw.failures === 'number') result.failures = raw.failures;
  if (raw.compiled_code) result.compiledCode = raw.compiled_code;
  if (raw.relation_name) result.relationName = raw.relation_name;
  if (status === 'error') result.error = dbtNodeError(message);
  return result;
}

/** dbt names the file in its messages: `Runtime Error in model x (models/x.sql)`. */
function dbtNodeError(message: string): LakehouseError {
  const match = /\(([^()\s]+\.(?:sql|yml|csv))\)/.exec(message);
  const lineMatch = /line (\d+)/i.exec(message);
  return new ModelRuntimeError(
    message,
    match ? { file: match[1]!, line: lineMatch ? Number(lineMatch[1]) : 1 } : undefined,
  );
}
