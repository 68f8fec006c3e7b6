import { Argument, type Command } from 'commander';

/** One option of a command, as completion needs it. */
export interface OptionSpec {
  /** `--json`, and `-h` style short flags when there are. */
  flags: string[];
  description: string;
  /** The option takes a value (`--client <id>`). */
  takesValue: boolean;
  /** Its allowed values, when commander knows them. */
  choices: string[] | undefined;
  /** Its value is a file (`<file>` in the flags). */
  file: boolean;
}

/** One command of the tree, as completion needs it. */
export interface CommandSpec {
  /** Names from the root, e.g. `['deployments', 'watch']` (empty for the root). */
  path: string[];
  /** Its name and aliases. */
  names: string[];
  description: string;
  subcommands: CommandSpec[];
  options: OptionSpec[];
  /** Values of its first positional argument, when they are a fixed list (`completion bash|zsh`). */
  argumentChoices: string[];
}

const HELP_OPTION: OptionSpec = {
  flags: ['--help', '-h'],
  description: 'display help for command',
  takesValue: false,
  choices: undefined,
  file: false,
};

/**
 * The command tree as commander holds it: the one source of the completion scripts, so a new command or option
 * completes without anyone editing a list. Commander's implicit `help [command]` is added where commander adds it
 * (commands with subcommands and no action of their own).
 */
export function commandTree(cmd: Command, path: string[] = []): CommandSpec {
  const subcommands = cmd.commands.map((c) => commandTree(c, [...path, c.name()]));
  if (subcommands.length > 0 && !subcommands.some((c) => c.names.includes('help'))) {
    subcommands.push({
      path: [...path, 'help'],
      names: ['help'],
      description: 'display help for command',
      subcommands: [],
      options: [],
      argumentChoices: subcommands.map((c) => c.names[0]!),
    });
  }
  const options: OptionSpec[] = cmd.options
    .filter((o) => !o.hidden)
    .map((o) => ({
      flags: [o.long, o.short].filter((f): f is string => typeof f === 'string'),
      description: o.description,
      takesValue: o.required || o.optional,
      choices: o.argChoices,
      file: /<file>/.test(o.flags),
    }));
  return {
    path,
    names: [cmd.name(), ...cmd.aliases()],
    description: cmd.description(),
    subcommands,
    options: [...options, HELP_OPTION],
    argumentChoices: cmd.registeredArguments[0]?.argChoices ?? [],
  };
}

/** Every command of the tree, depth first, the root first. */
export function allCommands(root: CommandSpec): CommandSpec[] {
  return [root, ...root.subcommands.flatMap(allCommands)];
}

const key = (path: readonly string[]) => path.join(' ');
const firstSentence = (s: string) => {
  const one = s.split(/(?<=\.)\s+(?=[A-Z`])/)[0] ?? '';
  return one.length > 90 ? `${one.slice(0, 87)}...` : one;
};

/** The words offered after the command `c`: its subcommands (names and aliases), argument values, options. */
function wordsOf(c: CommandSpec): string[] {
  return [
    ...c.subcommands.flatMap((s) => s.names),
    ...c.argumentChoices,
    ...c.options.flatMap((o) => o.flags.filter((f) => f.startsWith('--'))),
  ];
}

/** `case` arms that follow a command line word by word: `"<path>:<word>") cmdpath="<path> <name>" ;;`. */
function transitions(root: CommandSpec, arm: (pattern: string, target: string) => string): string[] {
  return allCommands(root).flatMap((c) =>
    c.subcommands.map((s) => arm(s.names.map((n) => `"${key(c.path)}:${n}"`).join('|'), key(s.path))),
  );
}

/** A bash completion script for `program` (`source <(wrktalk-gcc completion bash)`). */
export function bashCompletion(root: CommandSpec, bin: string): string {
  const fn = `_${bin.replace(/[^A-Za-z0-9]/g, '_')}_complete`;
  const values = allCommands(root).flatMap((c) =>
    c.options
      .filter((o) => o.takesValue)
      .map((o) => {
        const pattern = o.flags.map((f) => `"${key(c.path)}:${f}"`).join('|');
        const reply = o.choices
          ? `COMPREPLY=($(compgen -W "${o.choices.join(' ')}" -- "$cur"))`
          : o.file
            ? 'COMPREPLY=($(compgen -f -- "$cur"))'
            : 'COMPREPLY=()';
        return `    ${pattern}) ${reply}; return 0 ;;`;
      }),
  );
  const words = allCommands(root).map((c) => `    "${key(c.path)}") words="${wordsOf(c).join(' ')}" ;;`);
  return `# bash completion for ${bin}, generated from its commands by \`${bin} completion bash\`.
# Load it with: source <(${bin} completion bash)   (or save it in /etc/bash_completion.d/${bin})
${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" cmdpath="" words="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "$cmdpath:\${COMP_WORDS[i]}" in
${transitions(root, (p, t) => `      ${p}) cmdpath="${t}" ;;`).join('\n')}
    esac
  done
  case "$cmdpath:$prev" in
${values.join('\n')}
  esac
  case "$cmdpath" in
${words.join('\n')}
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -F ${fn} ${bin}
`;
}

const zshQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** A zsh completion script for `program` (`source <(wrktalk-gcc completion zsh)`, or saved as `_wrktalk-gcc`). */
export function zshCompletion(root: CommandSpec, bin: string): string {
  const fn = `_${bin.replace(/[^A-Za-z0-9]/g, '_')}`;
  const values = allCommands(root).flatMap((c) =>
    c.options
      .filter((o) => o.takesValue)
      .map((o) => {
        const pattern = o.flags.map((f) => `"${key(c.path)}:${f}"`).join('|');
        const reply = o.choices
          ? `compadd -- ${o.choices.join(' ')}`
          : o.file
            ? '_files'
            : `_message ${zshQuote(firstSentence(o.description) || 'value')}`;
        return `    (${pattern}) ${reply}; return ;;`;
      }),
  );
  const lists = allCommands(root).map((c) => {
    const subs = c.subcommands.flatMap((s) =>
      s.names.map((n) => zshQuote(`${n}:${firstSentence(s.description)}`)),
    );
    const args = c.argumentChoices.map((a) => zshQuote(a));
    const opts = c.options.flatMap((o) =>
      o.flags.filter((f) => f.startsWith('--')).map((f) => zshQuote(`${f}:${firstSentence(o.description)}`)),
    );
    return `    ("${key(c.path)}")
      subcommands=(${[...subs, ...args].join(' ')})
      options=(${opts.join(' ')}) ;;`;
  });
  return `#compdef ${bin}
# zsh completion for ${bin}, generated from its commands by \`${bin} completion zsh\`.
# Load it with: source <(${bin} completion zsh)   (or save it as _${bin} in a directory of $fpath)
${fn}() {
  local cmdpath="" prev="\${words[CURRENT-1]}" i
  local -a subcommands options
  for (( i = 2; i < CURRENT; i++ )); do
    case "$cmdpath:\${words[i]}" in
${transitions(root, (p, t) => `      (${p}) cmdpath="${t}" ;;`).join('\n')}
    esac
  done
  case "$cmdpath:$prev" in
${values.join('\n')}
  esac
  case "$cmdpath" in
${lists.join('\n')}
  esac
  (( \${#subcommands} )) && _describe -t commands 'command' subcommands
  (( \${#options} )) && _describe -t options 'option' options
}
if [[ "\${zsh_eval_context[-1]}" == loadautofunc ]]; then
  ${fn} "$@"
else
  compdef ${fn} ${bin}
fi
`;
}

/** `completion bash|zsh`. */
export function registerCompletion(program: Command, stdout: (text: string) => void): void {
  program
    .command('completion')
    .description(
      'Print a shell completion script, generated from the commands themselves: ' +
        '`source <(wrktalk-gcc completion bash)` (or zsh).',
    )
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh']))
    .action((shell: 'bash' | 'zsh') => {
      const tree = commandTree(program);
      stdout(shell === 'bash' ? bashCompletion(tree, program.name()) : zshCompletion(tree, program.name()));
    });
}
