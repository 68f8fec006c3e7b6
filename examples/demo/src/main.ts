import { runCli } from './cli';

// A closed terminal (EIO/EPIPE) must not end the process before it has stopped cleanly.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);

const code = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
process.exitCode = code;
// Exit even if a pool or timer still holds the event loop (after a graceful stop that is only left-overs).
setTimeout(() => process.exit(code), 2000).unref();
