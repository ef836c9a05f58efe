# SPDX-License-Identifier: GPL-2.0
#
# xpmemctl.bash - bash completion for xpmemctl(8): subcommands, their
# actions and keywords (and the values of policy settings and formats),
# user and group names after uid/gid keywords, cgroup directories
# (relative to the cgroup2 mount) after `cgroup', files after --output.
# Needs nothing from the bash-completion package.
# shellcheck disable=SC2207	# COMPREPLY=($(compgen ...)) is the idiom

# The cgroup2 mount point, from mountinfo (field 5, before " - cgroup2 ").
_xpmemctl_cgroup2() {
	local line
	while read -r line; do
		if [[ $line == *" - cgroup2 "* ]]; then
			line=${line%% - *}
			read -r _ _ _ _ line _ <<<"$line"
			printf '%b\n' "${line//\\/\\0}"
			return
		fi
	done </proc/self/mountinfo 2>/dev/null
}

# Offer WORDS, leaving out the keywords already on the line.
_xpmemctl_unused() {
	local w u used
	local -a left=()
	for w in "$@"; do
		used=
		for u in "${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
			[[ $u == "$w" || $u == "--$w" ]] && used=1 && break
		done
		[[ -z $used ]] && left+=("$w")
	done
	COMPREPLY=($(compgen -W "${left[*]}" -- "$cur"))
}

_xpmemctl() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	local cmds="status segments attachments permits stats policy rule job quota
		revoke monitor version help"
	local i cmd='' at=0 mnt

	# a file after -o/--output, wherever it is
	if [[ $prev == -o || $prev == --output ]]; then
		COMPREPLY=($(compgen -f -- "$cur"))
		return
	fi
	# the subcommand is the first word that is not a global option
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-j|--json|-h|--help|-v|--version|--output=*) ;;
		-o|--output) ((i++)) ;;
		*) cmd=${COMP_WORDS[i]}; at=$i; break ;;
		esac
	done
	if [[ -z $cmd ]]; then
		COMPREPLY=($(compgen -W "$cmds -j --json -o --output -h --help -v --version" \
			-- "$cur"))
		return
	fi

	# values of keywords first: they look the same in every subcommand
	case ${prev#--} in
	uid|peer-uid)
		COMPREPLY=($(compgen -u -- "$cur"))
		return ;;
	format)
		COMPREPLY=($(compgen -W "text json prometheus openmetrics" -- "$cur"))
		return ;;
	gid)
		COMPREPLY=($(compgen -g -- "$cur"))
		return ;;
	cgroup)
		mnt=$(_xpmemctl_cgroup2)
		if [[ -n $mnt ]]; then
			local d
			COMPREPLY=()
			while IFS= read -r d; do
				COMPREPLY+=("${d#"$mnt"}/")
			done < <(compgen -d -- "$mnt/${cur#/}")
			compopt -o nospace 2>/dev/null
		fi
		return ;;
	pid)
		COMPREPLY=($(compgen -W "$(cd /proc && printf '%s ' [0-9]*)" -- "$cur"))
		return ;;
	cgroup-id|max-segments|max-attached-bytes|max-mapped-pages|segid|job)
		COMPREPLY=()
		return ;;
	esac

	local n=$((COMP_CWORD - at))	# position within the subcommand
	case $cmd in
	help)
		[[ $n == 1 ]] && COMPREPLY=($(compgen -W "${cmds/help/}" -- "$cur")) ;;
	attachments)
		COMPREPLY=($(compgen -W "--permits -j --json -h --help" -- "$cur")) ;;
	stats)
		if [[ $n == 1 ]]; then
			COMPREPLY=($(compgen -W "all uid job --format" -- "$cur"))
		else
			_xpmemctl_unused --format
		fi ;;
	policy)
		if [[ $n == 1 ]]; then
			COMPREPLY=($(compgen -W "show set reset" -- "$cur"))
		elif [[ ${COMP_WORDS[at+1]} == set ]]; then
			case ${prev#--} in
			visibility) COMPREPLY=($(compgen -W "own all" -- "$cur")) ;;
			default-max-segments) COMPREPLY=($(compgen -W "unlimited" -- "$cur")) ;;
			*)
				local w modes="compat strict"
				for w in "${COMP_WORDS[@]:at+2:n-2}"; do
					[[ $w == compat || $w == strict ]] && modes=
				done
				# shellcheck disable=SC2086	# no modes: no words
				_xpmemctl_unused $modes visibility default-max-segments ;;
			esac
		fi ;;
	rule)
		if [[ $n == 1 ]]; then
			COMPREPLY=($(compgen -W "list add del" -- "$cur"))
		elif [[ ${COMP_WORDS[at+1]} == add ]]; then
			if [[ $n == 2 ]]; then
				COMPREPLY=($(compgen -W "allow deny" -- "$cur"))
			else
				_xpmemctl_unused uid gid peer-uid same-job
			fi
		fi ;;
	job)
		if [[ $n == 1 ]]; then
			COMPREPLY=($(compgen -W "list add del" -- "$cur"))
		elif [[ ${COMP_WORDS[at+1]} == add && $n -ge 3 ]]; then
			_xpmemctl_unused uid cgroup cgroup-id max-segments \
				max-attached-bytes max-mapped-pages
		fi ;;
	quota)
		if [[ $n == 1 ]]; then
			COMPREPLY=($(compgen -W "list set" -- "$cur"))
		elif [[ ${COMP_WORDS[at+1]} == set ]]; then
			if [[ $n == 2 ]]; then
				COMPREPLY=($(compgen -u -- "$cur"))
			else
				_xpmemctl_unused max-segments max-attached-bytes max-mapped-pages
			fi
		fi ;;
	revoke)
		[[ $n == 1 ]] && COMPREPLY=($(compgen -W "segid pid uid job" -- "$cur")) ;;
	*)
		COMPREPLY=($(compgen -W "-j --json -h --help" -- "$cur")) ;;
	esac
}

complete -F _xpmemctl xpmemctl
