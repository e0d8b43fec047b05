#!/usr/bin/env bash
# Writes illusion(1) from the program's own --help texts, so the page cannot drift from them:
# `scripts/man_page.sh BIN OUT`. The build runs it (CMakeLists.txt, target `man`); `cmake
# --install` puts the page in share/man/man1.
set -euo pipefail
bin="$1"
out="$2"
version="$("$bin" --version | sed 's/^illusion //')"

# roff-safe verbatim text: backslashes doubled as \e, a leading . or ' protected.
verbatim() { sed -e 's/\\/\\e/g' -e "s/^\([.']\)/\\\\\&\1/"; }

{
  echo ".TH ILLUSION 1 \"\" \"illusion $version\" \"User Commands\""
  echo ".SH NAME"
  echo "illusion \\- measure what the Linux kernel's illusions cost on this machine"
  echo ".SH SYNOPSIS"
  echo ".B illusion"
  echo "[\\fIOPTIONS\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR]"
  echo ".SH DESCRIPTION"
  echo ".nf"
  "$bin" --help | verbatim
  echo ".fi"
  echo ".SH COMMANDS"
  for cmd in list env run report compare budget stability verify; do
    echo ".SS illusion $cmd"
    echo ".nf"
    "$bin" "$cmd" --help | verbatim
    echo ".fi"
  done
} > "$out.tmp.$$"
mv "$out.tmp.$$" "$out"
