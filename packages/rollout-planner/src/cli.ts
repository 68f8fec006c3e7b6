#!/usr/bin/env node
// The imperative shell: reads files/stdin, prints, sets the exit code. Everything it computes comes from the core.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { formatStageTable } from './cli/format-table';
import { type ClientsFormat, parseClients } from './cli/parse-clients';
import {
  DEFAULT_COMPONENTS,
  formatSetHeader,
  type PlanClient,
  parseSetOption,
  type SetMember,
  setChanges,
} from './cli/release-set';
import { planRollout } from './plan/plan-rollout';
import { selectTargets } from './selector/select-targets';
import type { Strategy } from './strategy/strategy';
import { validateStrategy } from './strategy/validate-strategy';
import {
  detectStrategyForm,
  type StrategyForm,
  strategyFromWire,
  validateWireStrategy,
  type WireStrategy,
} from './strategy/wire';

/** Exit code for bad input (unreadable file, invalid clients or strategy). */
const EXIT_BAD_INPUT = 2;

class BadInput extends Error {
  override readonly name = 'BadInput';
}

function readText(path: string | undefined, what: string): string {
  try {
    return readFileSync(path === undefined || path === '-' ? 0 : path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (error as Error).message;
    throw new BadInput(
      `cannot read ${what} ${path === undefined || path === '-' ? 'from stdin' : `'${path}'`}: ${reason}`,
    );
  }
}

function problemsText(title: string, problems: { path: string; message: string }[]): string {
  return [`${title}:`, ...problems.map((p) => `  ${p.path === '' ? '(root)' : p.path}: ${p.message}`)].join(
    '\n',
  );
}

function run(argv: string[]): void {
  const program = new Command()
    .name('wrktalk-plan')
    .description('Dry-run a WrkTalk rollout offline: reads clients (JSON or CSV) and prints the stage table.')
    .argument(
      '[clients]',
      "clients file (JSON array or CSV with columns id,labels,target_kind,argocd_instance); '-' or none reads stdin",
    )
    .option('-s, --strategy <file>', 'strategy JSON file (default: 4%, 10%, 20%, 30%, rest)')
    .option(
      '--strategy-format <form>',
      "strategy spelling: 'api' (snake_case, as sent to the GCC) or 'planner' (camelCase) (default: detected)",
    )
    .option('-f, --format <format>', 'clients format: json or csv (default: detected)')
    .option('-l, --selector <selector>', "only clients matching this label selector, e.g. 'tier=premium'")
    .option('-i, --ids <ids>', 'only these client ids (comma separated)')
    .option(
      '--set <components>',
      "plan a release set (release train), one version per component, e.g. 'backend=5.0.0,media=5.0.0,ct=5.0.0'",
    )
    .option(
      '--components <list>',
      `components the GCC manages, for --set (comma separated; default: ${DEFAULT_COMPONENTS.join(',')})`,
    )
    .option('--json', 'print the plan as JSON instead of a table')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .showHelpAfterError('(run wrktalk-plan --help for usage)');
  program.parse(argv);
  const options = program.opts<{
    strategy?: string;
    strategyFormat?: string;
    format?: string;
    selector?: string;
    ids?: string;
    set?: string;
    components?: string;
    json?: boolean;
  }>();
  const file = program.args[0];

  if (options.format !== undefined && options.format !== 'json' && options.format !== 'csv') {
    throw new BadInput(`--format must be json or csv, got '${options.format}'`);
  }
  const strategyFormat = options.strategyFormat;
  if (strategyFormat !== undefined && strategyFormat !== 'api' && strategyFormat !== 'planner') {
    throw new BadInput(`--strategy-format must be api or planner, got '${strategyFormat}'`);
  }
  // The set is checked first: a set the GCC would refuse is refused before any file is read.
  let set: SetMember[] | undefined;
  if (options.components !== undefined && options.set === undefined) {
    throw new BadInput('--components only applies to --set');
  }
  if (options.set !== undefined) {
    const managed = options.components
      ?.split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (managed !== undefined && managed.length === 0) throw new BadInput('--components lists no component');
    const r = parseSetOption(options.set, managed);
    if (!r.ok) throw new BadInput(problemsText(`invalid release set '${options.set}'`, r.problems));
    set = r.set;
  }
  const parsed = parseClients(readText(file, 'clients'), options.format as ClientsFormat | undefined);
  if (!parsed.ok) throw new BadInput(problemsText('invalid clients', parsed.problems));
  let clients: PlanClient[] = parsed.clients;

  if (options.selector !== undefined || options.ids !== undefined) {
    const ids = options.ids
      ?.split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    const selection = selectTargets(clients, {
      ...(ids === undefined ? {} : { ids }),
      ...(options.selector === undefined ? {} : { labelSelector: options.selector }),
    });
    if (selection.problems.length > 0) {
      throw new BadInput(
        problemsText(
          'invalid target selection',
          selection.problems.map((p) => ({ path: p.code, message: p.message })),
        ),
      );
    }
    clients = selection.clients;
  }

  let strategy: Strategy | undefined;
  if (options.strategy !== undefined) {
    const text = readText(options.strategy, 'strategy');
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new BadInput(`strategy '${options.strategy}' is not valid JSON: ${(error as Error).message}`);
    }
    // The API's spelling is read with the GCC's own mapping, so a strategy is rehearsed exactly as it will be sent;
    // problems are reported in the spelling the file uses.
    const form: StrategyForm = strategyFormat ?? detectStrategyForm(data);
    const problems =
      form === 'api'
        ? validateWireStrategy(data, { fleetSize: clients.length })
        : validateStrategy(data, { fleetSize: clients.length });
    if (problems.length > 0) {
      const spelling = form === 'api' ? "the API's snake_case" : "the planner's camelCase";
      throw new BadInput(
        problemsText(
          `invalid strategy '${options.strategy}' (read in ${spelling}${strategyFormat === undefined ? ', detected' : ''})`,
          problems,
        ),
      );
    }
    strategy = form === 'api' ? strategyFromWire(data as WireStrategy) : (data as Strategy);
  }

  const result = planRollout({ clients, ...(strategy === undefined ? {} : { strategy }) });
  if (!result.ok) throw new BadInput(problemsText('invalid strategy', result.problems));
  if (set === undefined) {
    process.stdout.write(
      options.json === true
        ? `${JSON.stringify(result.plan, null, 2)}\n`
        : `${formatStageTable(result.plan)}\n`,
    );
    return;
  }
  // A set: the plan with the set, and each client's change per component (from what the clients file says it runs).
  const changes = setChanges(result.plan, clients, set);
  process.stdout.write(
    options.json === true
      ? `${JSON.stringify({ set, ...result.plan, changes }, null, 2)}\n`
      : `${formatSetHeader(set, changes)}\n\n${formatStageTable(result.plan)}\n`,
  );
}

try {
  run(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
  } else if (error instanceof BadInput) {
    process.stderr.write(`wrktalk-plan: ${error.message}\n`);
    process.exitCode = EXIT_BAD_INPUT;
  } else {
    process.stderr.write(
      `wrktalk-plan: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 1;
  }
}
