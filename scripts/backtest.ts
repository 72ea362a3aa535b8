import { runBacktestCommand } from './backtest/run-backtest-command';

// `npm run backtest -- …`: would this alarm have caught that incident, and how often would it page?
void runBacktestCommand(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
}).then((code) => {
  process.exitCode = code;
});
