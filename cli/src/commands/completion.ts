import type { Command } from 'commander';
import { examples, type Ctx } from '../context.ts';
import { CliError, ExitCode } from '../exit-codes.ts';

interface Spec {
  name: string;
  options: string[];
}

/** Commands and their flags, read from the program itself so completion never drifts from it. */
export function commandSpecs(program: Command): { global: string[]; commands: Spec[] } {
  const flags = (c: Command) => c.options.flatMap((o) => [o.short, o.long].filter((f): f is string => Boolean(f)));
  return {
    global: [...flags(program), '--help'],
    commands: program.commands.map((c) => ({ name: c.name(), options: [...flags(c), '--help'] })),
  };
}

/** Words that complete the positional argument after a command. */
const ARGS: Record<string, string> = {
  get: 'hosts policies rollouts',
  describe: 'host',
  history: 'host',
  diff: 'host',
  rollback: 'host',
  label: 'host',
  delete: 'policy',
  rollout: 'pause resume status',
  watch: 'hosts events',
  completion: 'bash zsh',
};

export function bashCompletion(program: Command): string {
  const { global, commands } = commandSpecs(program);
  const cases = commands
    .map((c) => `    ${c.name}) opts="${c.options.join(' ')}"; args="${ARGS[c.name] ?? ''}" ;;`)
    .join('\n');
  return `# fleetnet bash completion: source <(fleetnet completion bash)
_fleetnet() {
  local cur prev cmd opts args i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  cmd=""
  for ((i=1; i<COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in -*) ;; *) cmd="\${COMP_WORDS[i]}"; break ;; esac
  done
  case "$prev" in
    -f|--filename|--creds) COMPREPLY=( $(compgen -f -- "$cur") ); return ;;
    -o|--output) COMPREPLY=( $(compgen -W "table wide json yaml" -- "$cur") ); return ;;
    --from) COMPREPLY=( $(compgen -W "ovirt hostplumber" -- "$cur") ); return ;;
  esac
  case "$cmd" in
    "") COMPREPLY=( $(compgen -W "${commands.map((c) => c.name).join(' ')} ${global.join(' ')}" -- "$cur") ); return ;;
${cases}
    *) opts=""; args="" ;;
  esac
  COMPREPLY=( $(compgen -W "$opts $args ${global.join(' ')}" -- "$cur") )
}
complete -F _fleetnet fleetnet
`;
}

export function zshCompletion(program: Command): string {
  const { global, commands } = commandSpecs(program);
  const describe = commands.map((c) => `    '${c.name}:${(program.commands.find((x) => x.name() === c.name)?.description() ?? '').replace(/'/g, "'\\''").replace(/:/g, '\\:')}'`).join('\n');
  const cases = commands
    .map((c) => `      ${c.name}) _arguments '*:arg:(${ARGS[c.name] ?? ''})' ${c.options.map((o) => `'${o}'`).join(' ')} ;;`)
    .join('\n');
  return `#compdef fleetnet
# fleetnet zsh completion: source <(fleetnet completion zsh)
_fleetnet() {
  local -a commands
  commands=(
${describe}
  )
  if (( CURRENT == 2 )); then
    _describe -t commands 'fleetnet command' commands
    _values 'global flags' ${global.map((g) => `'${g}'`).join(' ')}
    return
  fi
  case "\${words[2]}" in
${cases}
  esac
}
compdef _fleetnet fleetnet
`;
}

export function registerCompletion(program: Command, ctx: Ctx) {
  program
    .command('completion')
    .description('print a shell completion script')
    .argument('<shell>', 'bash | zsh')
    .addHelpText('after', examples('fleetnet completion bash > /etc/bash_completion.d/fleetnet', 'source <(fleetnet completion bash)', 'fleetnet completion zsh > "${fpath[1]}/_fleetnet"'))
    .action((shell: string) => {
      if (shell === 'bash') ctx.out.write(bashCompletion(program));
      else if (shell === 'zsh') ctx.out.write(zshCompletion(program));
      else throw new CliError(`no completion for "${shell}": use bash or zsh`, ExitCode.invalid);
    });
}
