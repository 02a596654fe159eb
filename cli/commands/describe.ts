/** `tempstream describe [--mermaid]`: the temperature topology and its rules, built without connecting anywhere. */
import type { Command } from 'commander';
import { defaultRules, temperatureTopology, type ReadingsWriter, type RollupWriter } from '../../app/index.js';
import type { AvroRegistryClient, Topology } from '../../topology/index.js';
import type { AppConfig } from '../config.js';
import { contextFor, type CliDeps } from '../context.js';
import { pipelineSettings } from '../services/pipeline-settings.js';

/** Building a topology only records serdes and sinks; these stand-ins fail loudly if anything calls them. */
const offline = (what: string) => () => Promise.reject(new Error(`describe does not connect: ${what} was called`));
const offlineRegistry: AvroRegistryClient = { getSchema: offline('the schema registry'), getRegistryIdBySchema: offline('the schema registry') };
const offlineSink: ReadingsWriter = { name: 'mysql-temperature', write: offline('the MySQL sink') };
const offlineRollupSink: RollupWriter = { name: 'mysql-temperature-minute', write: offline('the rollup sink') };

/** What `start` runs: the rollups' sink included. */
export function describedTopology(config: AppConfig): Topology {
  return temperatureTopology(offlineRegistry, pipelineSettings(config), offlineSink, offlineRollupSink);
}

export function registerDescribeCommand(program: Command, deps: CliDeps): void {
  program
    .command('describe')
    .description('print the temperature topology (nodes, topics, rules); connects to nothing')
    .option('--mermaid', 'print only a Mermaid flowchart (paste it into Markdown)')
    .action((options: { mermaid?: boolean }, command: Command) => {
      const { config, io } = contextFor(command, deps);
      const topology = describedTopology(config);
      if (options.mermaid === true) {
        io.out(`${topology.toMermaid()}\n`);
        return;
      }
      io.out(`${topology.describe(config.kafka.groupId)}\n\n`);
      io.out(`Input topics:  ${topology.inputTopics.join(', ')}\n`);
      io.out(`Output topics: ${topology.outputTopics.join(', ')}\n`);
      io.out(`Dead letters:  ${topology.inputTopics.map((t) => `${t} → ${topology.dlqTopicOf(t)}`).join(', ')}\n\n`);
      io.out('Rules:\n');
      for (const rule of defaultRules(config.rules)) io.out(`  ${rule.kind.padEnd(10)} ${rule.name.padEnd(12)} ${rule.description}\n`);
    });
}
