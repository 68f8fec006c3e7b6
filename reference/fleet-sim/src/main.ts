import { runCli } from './cli';

for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);

const code = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
process.exitCode = code;
// Exit even if a pool or timer still holds the event loop (after a clean stop that is only left-overs).
setTimeout(() => process.exit(code), 2000).unref();
