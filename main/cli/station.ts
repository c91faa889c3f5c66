#!/usr/bin/env node
/**
 * The station's command line: `npm run station -- <command> --help`.
 * Errors are one line on stderr and a non-zero exit; a stack trace only with STATION_DEBUG=1.
 */
import { Command, CommanderError } from 'commander';
import { toStationError } from '../common/result.js';
import { experimentCommand } from './commands-experiment.js';
import { engineCommands } from './commands-engine.js';
import { runCommand } from './commands-line.js';
import './run-adapters.js'; // registers --opcua / --modbus / --mqtt on `run` before it is built
import { logCommand } from './commands-log.js';
import { genicamCommand } from './commands-genicam.js';
import { productCommand } from './commands-product.js';
import { thresholdCommand } from './commands-threshold.js';

const program = new Command('station')
  .description('Visual inspection station: train on normal images, inspect parts, evaluate')
  .showHelpAfterError()
  .exitOverride();

program.addCommand(experimentCommand());
for (const c of engineCommands()) program.addCommand(c);
program.addCommand(runCommand());
program.addCommand(logCommand());
program.addCommand(genicamCommand());
program.addCommand(productCommand());
program.addCommand(thresholdCommand());

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode);
  const err = toStationError(e);
  process.stderr.write(`station: ${err.kind}: ${err.message}\n`);
  if (process.env.STATION_DEBUG) console.error(e);
  process.exit(err.kind === 'invalid-input' ? 2 : 1);
}
