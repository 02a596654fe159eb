#!/usr/bin/env node
/** The `tempstream` bin. Everything but exiting lives in program.ts. */
import { runCli } from './program.js';

// KafkaJS 2 warns on every producer that its default partitioner changed in 2.0; this project has
// always used the new one, so the warning only adds noise to every command.
process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';

const code = await runCli(process.argv);
// Kafka and MySQL clients can leave timers behind after a clean close; the command is over.
process.exit(code);
