import type { NodeRef, NodeStatus, ResourceType, RunEvent } from '../types';
import { LakehouseError } from '../../errors';

/** One line of `dbt --log-format json` output, as far as progress needs it. */
interface DbtLogLine {
  info?: { name?: string; msg?: string; level?: string };
  data?: {
    index?: number;
    total?: number;
    execution_time?: number;
    status?: string;
    node_info?: {
      unique_id?: string;
      node_name?: string;
      resource_type?: string;
      node_status?: string;
      node_path?: string;
    };
  };
}

const FINISHED = new Set(['success', 'error', 'skipped', 'pass', 'fail', 'warn']);
const LOGGED = new Set([
  'JinjaLogInfo',
  'JinjaLogWarning',
  'RunResultError',
  'RunResultErrorNoMessage',
  'CompiledNode',
]);

/**
 * Turns dbt's JSON log lines into RunEvents: a node's first `started` status
 * is `started`, its terminal status (success/pass/warn, error/fail, skipped)
 * the matching event; `log()` output and error details become `log` events.
 */
export class DbtLogTranslator {
  private readonly started = new Set<string>();
  private readonly finished = new Set<string>();
  /** Messages dbt logged at error level, for a failure with no run_results.json. */
  readonly errors: string[] = [];

  constructor(private readonly emit: (event: RunEvent) => void) {}

  line(text: string): void {
    let parsed: DbtLogLine;
    try {
      parsed = JSON.parse(text) as DbtLogLine;
    } catch {
      if (text.trim() !== '') this.emit({ kind: 'log', message: text.trim() });
      return;
    }
    const name = parsed.info?.name ?? '';
    const message = stripAnsi(parsed.info?.msg ?? '');
    if (parsed.info?.level === 'error' && message.trim() !== '') this.errors.push(message.trim());
    const info = parsed.data?.node_info;
    if (info?.unique_id && info.node_status) {
      const node = nodeRef(info);
      // dbt counts from 1; run events count from 0 (see RunEvent).
      const index = Math.max(0, (parsed.data?.index ?? 1) - 1);
      const total = parsed.data?.total ?? 0;
      const status = info.node_status;
      if (status === 'started' && !this.started.has(node.uniqueId) && /StartLine$/.test(name)) {
        this.started.add(node.uniqueId);
        this.emit({ kind: 'started', node, index, total });
        return;
      }
      if (FINISHED.has(status) && !this.finished.has(node.uniqueId) && /(Result|SkippingDetails)$/.test(name)) {
        this.finished.add(node.uniqueId);
        const seconds = parsed.data?.execution_time ?? 0;
        if (status === 'skipped') this.emit({ kind: 'skipped', node, index, total, reason: message });
        else if (status === 'error' || status === 'fail') {
          this.emit({
            kind: 'failed',
            node,
            index,
            total,
            seconds,
            status,
            error: new LakehouseError('dbt-node-failed', message),
          });
        } else {
          this.emit({ kind: 'succeeded', node, index, total, seconds, status: status as NodeStatus, message });
        }
        return;
      }
    }
    if (LOGGED.has(name) && message.trim() !== '') this.emit({ kind: 'log', message });
  }
}

function nodeRef(info: NonNullable<NonNullable<DbtLogLine['data']>['node_info']>): NodeRef {
  const uniqueId = info.unique_id!;
  const ref: NodeRef = {
    uniqueId,
    name: info.node_name ?? uniqueId.split('.').pop()!,
    resourceType: resourceType(info.resource_type),
  };
  if (info.node_path) ref.file = info.node_path;
  return ref;
}

export function resourceType(value: string | undefined): ResourceType {
  return value === 'model' || value === 'seed' || value === 'snapshot' || value === 'test' || value === 'unit_test'
    ? value
    : 'operation';
}

export function stripAnsi(text: string): string {
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}
