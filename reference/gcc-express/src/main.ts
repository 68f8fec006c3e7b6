import { runCli } from './cli';

const code = await runCli(process.argv.slice(2));
process.exitCode = code;
// Exit even if a pool or timer still holds the event loop (after a graceful stop that is only left-overs).
setTimeout(() => process.exit(code), 2000).unref();
