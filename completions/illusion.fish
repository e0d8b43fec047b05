# fish completion for illusion: commands, each command's options (read from its --help) and, for
# `run`, the lab and experiment ids (read from `illusion list`), so nothing here can drift.
set -l illusion_commands list env run report compare budget stability verify

function __illusion_options --argument-names cmd
    illusion $cmd --help 2>/dev/null | string match -rg '^  (?:-[a-zA-Z],)?(--[-a-z]+)'
end

function __illusion_ids
    echo all
    illusion list 2>/dev/null | string match -rg '^([a-z_]+) — '
    illusion list 2>/dev/null | string match -rg '^  ([a-z_]+\.[a-z0-9_]+) '
end

complete -c illusion -f
complete -c illusion -n "not __fish_seen_subcommand_from $illusion_commands" -a "$illusion_commands"
complete -c illusion -n "__fish_seen_subcommand_from run" -a "(__illusion_ids)"
for cmd in $illusion_commands
    complete -c illusion -n "__fish_seen_subcommand_from $cmd" -a "(__illusion_options $cmd)"
end
complete -c illusion -n "__fish_seen_subcommand_from report compare stability" -F
