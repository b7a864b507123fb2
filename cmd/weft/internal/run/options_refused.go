package run

import "github.com/weft-dev/weft/cmd/weft/internal/cli"

// refusedOptions are GNU parallel's options that weft does not implement:
// each is refused by name, before any job starts, with what to use
// instead. One option a line, so that implementing one is deleting its
// line here and declaring it in its section.
func refusedOptions() cli.Section {
	return cli.Section{Title: "Refused", Options: []cli.Option{
		// Other machines: weft runs jobs elsewhere through NATS.
		refuse("jobs run on other machines through --nats and weft worker, not ssh", "-S", "--sshlogin"),
		refuse("jobs run on other machines through --nats and weft worker, not ssh", "--sshloginfile", "--slf"),
		refuse("jobs run on other machines through --nats and weft worker, not ssh", "--ssh"),
		refuse("jobs run on other machines through --nats and weft worker, not ssh", "--ssh-delay"),
		refuse("jobs run on other machines through --nats and weft worker, not ssh", "-M", "--controlmaster"),
		refuse("jobs run on other machines through --nats and weft worker, not ssh", "--filter-hosts", "--filterhosts"),
		refuse("jobs run on other machines through --nats and weft worker, not ssh", "--hostgroups", "--hgrp"),
		refuse("no ssh hosts: run the command on every machine with --nats and one weft worker each", "--nonall"),
		refuse("no ssh hosts: run the command on every machine with --nats and one weft worker each", "--onall"),
		refuse("weft copies no files to workers: put them where the workers can read them", "--basefile", "--bf"),
		refuse("weft copies no files to workers: put them where the workers can read them", "--transfer"),
		refuse("weft copies no files to workers: put them where the workers can read them", "--transferfile", "--tf"),
		refuse("weft copies no files from workers: have the job write where you can read it", "--return"),
		refuse("weft copies no files to or from workers", "--trc"),
		refuse("weft copies no files to or from workers", "--cleanup"),
		refuse("weft copies no files to or from workers", "--rsync-opts"),
		refuse("weft copies no files to or from workers: use cd DIR && ... in the command", "--workdir", "--wd"),
		refuse("jobs inherit weft's environment: export the variable (a bash function: export -f)", "--env"),
		refuse("jobs inherit weft's environment: export what they need", "--record-env"),
		refuse("jobs inherit weft's environment: export what they need", "--session"),
		// SQL: weft's queue is NATS JetStream.
		refuse("the queue is NATS JetStream: weft serve, weft worker and --nats", "--sql"),
		refuse("the queue is NATS JetStream: weft serve, weft worker and --nats", "--sql-master", "--sqlmaster"),
		refuse("the queue is NATS JetStream: weft serve, weft worker and --nats", "--sql-and-worker", "--sqlandworker"),
		refuse("the queue is NATS JetStream: weft serve, weft worker and --nats", "--sql-worker", "--sqlworker"),
		// Terminals.
		refuse("jobs have no terminal: run the program with weft -j 1 ... < /dev/tty if it needs one", "--tty"),
		refuse("jobs have no terminal: run the program with weft -j 1 ... < /dev/tty if it needs one", "-o", "--open-tty"),
		refuse("weft does not ask before a job: use --dry-run to see the commands first", "-p", "--interactive"),
		refuse("no tmux: use --line-buffer or --tag to follow the jobs", "--tmux"),
		refuse("no tmux: use --line-buffer or --tag to follow the jobs", "--tmuxpane", "--tmux-pane"),
		// The semaphore and scripts.
		refuse("weft has no semaphore mode: give the commands to one weft run (weft -j N ::: 'cmd1' 'cmd2')", "--semaphore"),
		refuse("weft has no semaphore mode: give the commands to one weft run (weft -j N ::: 'cmd1' 'cmd2')", "--semaphore-name", "--id"),
		refuse("weft has no semaphore mode: give the commands to one weft run (weft -j N ::: 'cmd1' 'cmd2')", "--semaphore-timeout", "--st"),
		refuse("weft has no semaphore mode: run weft itself in the background (weft ... &)", "--bg"),
		refuse("weft has no semaphore mode", "--fg"),
		refuse("weft has no semaphore mode: use the shell's wait", "--wait"),
		refuse("weft reads no script from #!: write weft ... :::: FILE", "--shebang", "--hashbang"),
		refuse("weft reads no script from #!: write weft ... :::: FILE", "--shebang-wrap"),
		refuse("weft is not a script to embed: install weft where it runs", "--embed"),
		refuse("internal to GNU parallel's parset", "--_parset"),
		// About GNU parallel itself: weft does not pretend to be it.
		refuse("weft is not GNU parallel: see weft --version", "-V"),
		refuse("weft asks for no citation", "--citation"),
		refuse("weft asks for no citation", "--bibtex"),
		refuse("weft is not GNU parallel: see weft --version", "--minversion"),
		refuse("weft has no command-line length limit to show", "--show-limits", "--showlimits"),
		refuse("use weft completion bash|zsh|fish", "--shell-completion"),
		refuse("weft quotes every input itself: see weft --dry-run", "--shell-quote", "--shellquote"),
		// Limits on the machine.
		refuse("weft does not watch memory: set -j", "--memsuspend"),
		refuse("weft runs no limit script: set -j, --rate or --delay", "--limit"),
		// Input.
		refuse("not yet: cut the input before weft (tail -n +2 | weft ...)", "--skip-first-line", "--skipfirstline"),
		refuse("not yet: use --colsep , for simple CSV", "--csv"),
		refuse("not yet: split the input before weft", "--bin"),
		refuse("not yet: split the input before weft", "--shard"),
		refuse("not yet: group the input before weft", "--group-by"),
		refuse("not yet: filter the input before weft (grep | weft ...)", "--match"),
		refuse("not yet: filter the input before weft (grep | weft ...)", "--filter"),
		refuse("weft counts the jobs itself (--bar, --eta)", "--total-jobs", "--total", "--totaljobs"),
		refuse("not yet: {%} is the job slot in the command", "--process-slot-var", "--processslotvar"),
		refuse("not yet", "--block-timeout", "--bt"),
		refuse("not yet", "--milestone"),
		refuse("not yet", "--combineexec", "--combine-executable"),
		refuse("not yet: write the file in the command (echo ... > FILE)", "--template", "--tmpl"),
		refuse("weft grants no unsafe mode", "--unsafe"),
		refuse("weft needs no speed switch", "--fast"),
		// Replacement strings: weft's are {} {.} {/} {//} {/.} {#} {%} {n}.
		refuse("not yet: use {}", "-i", "--replace"),
		// Output.
		refuse("no colours: weft prints what the jobs print", "--color", "--colour"),
		refuse("no colours: weft prints what the jobs print", "--cf", "--color-failed"),
		refuse("not yet: use --line-buffer or --bar", "--ll", "--latest-line", "--latestline"),
		refuse("GNU parallel 20221122 has no --files0 (it came later): use --files, one name a line", "--files0"),
		refuse("large output goes to an unlinked temporary file, uncompressed", "--compress"),
		refuse("large output goes to an unlinked temporary file, uncompressed", "--compress-program"),
		refuse("large output goes to an unlinked temporary file, uncompressed", "--decompress-program"),
		// Running.
	}}
}

// refuse is an option weft refuses, by every name it has, with why.
func refuse(why string, names ...string) cli.Option {
	return cli.Option{Names: names, Refused: why}
}
