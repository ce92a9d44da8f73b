/**
 * The shell side of completion: thin, the same in each shell. It hands the
 * words typed so far to `tsdiag __complete -- WORDS...`, which answers a
 * first line `:words` or `:files`, then the candidates one per line; the
 * grammar and the names live in tsdiag only.
 */
export type Shell = 'bash' | 'zsh' | 'fish';
export const SHELLS: readonly Shell[] = ['bash', 'zsh', 'fish'];

const BASH = `# tsdiag completion for bash: source <(tsdiag completion bash)
_tsdiag() {
  local cur=\${COMP_WORDS[COMP_CWORD]} IFS=$'\\n'
  local -a out
  out=($(tsdiag __complete -- "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)) || return 0
  if [[ \${out[0]} == :files ]]; then
    compopt -o filenames 2>/dev/null
    COMPREPLY=($(compgen -f -- "$cur"))
  else
    COMPREPLY=("\${out[@]:1}")
  fi
}
complete -F _tsdiag tsdiag
`;

const ZSH = `#compdef tsdiag
# tsdiag completion for zsh: source <(tsdiag completion zsh) after compinit
_tsdiag() {
  local -a out
  out=("\${(@f)$(tsdiag __complete -- "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  if [[ \${out[1]} == :files ]]; then
    _files
  else
    compadd -- "\${(@)out[2,-1]}"
  fi
}
if (( $+functions[compdef] )); then
  compdef _tsdiag tsdiag
fi
`;

const FISH = `# tsdiag completion for fish: tsdiag completion fish | source
function __tsdiag_complete
    set -l words (commandline -opc)
    set -l cur (commandline -ct)
    set -a words "$cur"
    set -l out (tsdiag __complete -- $words[2..-1] 2>/dev/null)
    if test "$out[1]" = ":files"
        __fish_complete_path "$cur"
    else
        printf '%s\\n' $out[2..-1]
    end
end
complete -c tsdiag -f -a '(__tsdiag_complete)'
`;

export const SCRIPTS: Record<Shell, string> = { bash: BASH, zsh: ZSH, fish: FISH };
