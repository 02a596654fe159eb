import type { Observable } from 'rxjs';
import type { Envelope, GraphNode, Materializer, SourceSpec, TerminalSpec } from './graph.js';
import type { StoreSpec } from '../processor/store-spec.js';

/** A frozen description: what the runtime runs and what `describe()` draws. */
export class Topology {
  constructor(
    readonly nodes: readonly GraphNode[],
    readonly sources: readonly SourceSpec[],
    readonly terminals: readonly TerminalSpec[],
    /** Streams with no node after them: subscribed too, so their operators run. */
    readonly leaves: readonly ((m: Materializer) => Observable<Envelope<unknown, unknown>>)[] = [],
    /** State stores, each used by one or more `process()` nodes. */
    readonly stores: readonly StoreSpec[] = [],
  ) {}

  get isStateful(): boolean {
    return this.stores.length > 0;
  }

  get inputTopics(): string[] {
    return this.sources.flatMap((s) => s.topics);
  }

  /** Where the dead letters of records read from `sourceTopic` go: as declared on its source, or `<topic>-dlq`. */
  dlqTopicOf(sourceTopic: string): string {
    return this.sources.find((s) => s.topics.includes(sourceTopic))?.dlqTopic ?? `${sourceTopic}-dlq`;
  }

  get outputTopics(): string[] {
    return this.terminals.flatMap((t) => (t.kind === 'topic' ? [t.topic] : []));
  }

  /**
   * Like Kafka Streams' `Topology.describe()`: one line a node, with where it leads, then the state
   * stores with their changelog topics (named with `applicationId` when given).
   */
  describe(applicationId = '<applicationId>'): string {
    const lines: string[] = ['Topology'];
    for (const node of this.nodes) {
      const next = this.nodes.filter((n) => n.parents.includes(node.id)).map((n) => n.name);
      lines.push(`  ${node.kind.padEnd(9)} ${node.name} (${node.detail})${next.length ? ` --> ${next.join(', ')}` : ''}`);
    }
    for (const store of this.stores) {
      const users = this.nodes.filter((n) => n.stores?.includes(store.name)).map((n) => n.name);
      lines.push(`  store     ${store.name} (${store.kind}, changelog ${applicationId}-${store.name}-changelog) <-- ${users.join(', ')}`);
    }
    return lines.join('\n');
  }

  /** The same graph as a Mermaid flowchart. */
  toMermaid(): string {
    const id = (n: GraphNode) => `n${n.id}`;
    const shape = (n: GraphNode) => {
      const text = (t: string) => t.replace(/"/g, '#quot;').replace(/[[\]]/g, '');
      const label = `"${text(n.name)}<br/><small>${text(n.detail)}</small>"`;
      switch (n.kind) {
        case 'source':
        case 'topic':
          return `${id(n)}[(${label})]`;
        case 'sink':
          return `${id(n)}[[${label}]]`;
        case 'split':
          return `${id(n)}{${label}}`;
        default:
          return `${id(n)}[${label}]`;
      }
    };
    const lines = ['flowchart LR'];
    for (const n of this.nodes) lines.push(`  ${shape(n)}`);
    for (const n of this.nodes) for (const p of n.parents) lines.push(`  n${p} --> ${id(n)}`);
    // Stores as cylinders, joined to their nodes by a dotted line (state, not a record's way).
    this.stores.forEach((store, i) => {
      lines.push(`  s${i}[("${store.name}<br/><small>${store.kind} store, changelog</small>")]`);
      for (const n of this.nodes) if (n.stores?.includes(store.name)) lines.push(`  ${id(n)} -.- s${i}`);
    });
    return lines.join('\n');
  }
}
