# bash completion for illusion: commands, each command's options, and the lab and experiment
# ids `illusion run` takes. Options and ids are read from the program itself (its --help and
# `illusion list --json`-free `illusion list`), so they cannot drift from what it accepts.
# zsh uses this file too (completions/_illusion loads it through bashcompinit).

_illusion_commands="list env run report compare budget stability verify"

# The options `illusion CMD --help` lists ("-h,--help", "--json FILE" → -h --help --json).
_illusion_options() {
  "$1" ${2:+"$2"} --help 2>/dev/null |
    sed -n 's/^  \(-[-a-zA-Z,]*\).*/\1/p' | tr ',' '\n' | sed '/^$/d'
}

# Every lab id and experiment id, and "all".
_illusion_ids() {
  echo all
  "$1" list 2>/dev/null | awk '/^[a-z_]+ — /{print $1} /^  [a-z_]+\.[a-z0-9_]+ /{print $1}'
}

_illusion() {
  local cur prev cmd i
  COMPREPLY=()
  cur="${COMP_WORDS[COMP_CWORD]}"
  prev="${COMP_WORDS[COMP_CWORD-1]}"
  local prog="${COMP_WORDS[0]}"
  cmd=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "${COMP_WORDS[i]}" in
      -*) ;;
      *) cmd="${COMP_WORDS[i]}"; break ;;
    esac
  done
  # An option that takes a file or a directory: complete paths.
  case "$prev" in
    --json|--md|--html|--from) compopt -o default 2>/dev/null; COMPREPLY=(); return 0 ;;
    --dir) compopt -o dirnames 2>/dev/null; COMPREPLY=(); return 0 ;;
    --pin|--cpu|--file-size|--rounds|--hz) return 0 ;;
  esac
  if [ -z "$cmd" ]; then
    if [[ "$cur" == -* ]]; then
      COMPREPLY=($(compgen -W "$(_illusion_options "$prog")" -- "$cur"))
    else
      COMPREPLY=($(compgen -W "$_illusion_commands" -- "$cur"))
    fi
    return 0
  fi
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$(_illusion_options "$prog" "$cmd")" -- "$cur"))
    return 0
  fi
  case "$cmd" in
    run) COMPREPLY=($(compgen -W "$(_illusion_ids "$prog")" -- "$cur")) ;;
    report|compare|stability) compopt -o default 2>/dev/null; COMPREPLY=() ;;
  esac
  return 0
}

complete -F _illusion illusion
