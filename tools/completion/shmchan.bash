# SPDX-License-Identifier: MIT
# bash completion for shmchan(1): commands, each command's options, and
# channel names (the files of the prefix in --dir, $SHMCHAN_DIR or /dev/shm).
_shmchan_names()
{
	local dir=${SHMCHAN_DIR:-/dev/shm} i
	for ((i = 1; i < COMP_CWORD; i++)); do
		[[ ${COMP_WORDS[i]} == --dir ]] && dir=${COMP_WORDS[i + 1]}
	done
	local f names=()
	for f in "$dir"/shmchan.*; do
		[[ -e $f ]] && names+=("${f##*/shmchan.}")
	done
	printf '%s\n' "${names[@]}"
}

_shmchan()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local cmd= i
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		--dir) ((i++)) ;;
		-*) ;;
		*) cmd=${COMP_WORDS[i]}; break ;;
		esac
	done
	case $prev in
	--dir)
		COMPREPLY=($(compgen -d -- "$cur"))
		return
		;;
	--interval | --count | --max-bytes | --osp-slot)
		return
		;;
	esac
	local opts
	case $cmd in
	'') opts="ls stat rm watch hz tail --dir --help --version" ;;
	ls) opts="--json --osp-slot --osp-bytes" ;;
	stat) opts="--json --osp-slot --osp-bytes" ;;
	rm) opts="--force --dry-run --stale" ;;
	watch) opts="--json --interval --count" ;;
	hz) opts="--interval --count" ;;
	tail) opts="--hex --max-bytes --count" ;;
	esac
	if [[ -z $cmd || $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
	else
		local IFS=$'\n'
		COMPREPLY=($(compgen -W "$(_shmchan_names)" -- "$cur"))
	fi
}
complete -F _shmchan shmchan
